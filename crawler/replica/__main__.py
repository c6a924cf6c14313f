"""`python -m crawler.replica serve|truth`: serve the replica, or print its ground truth as JSON lines."""

from __future__ import annotations

import argparse
import json
import sys

from crawler.replica.generator import ARTICLES_PER_DAY, generate


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m crawler.replica", description="常州市总工会网站的本地副本。")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, text in (("serve", "在 127.0.0.1 上提供副本网站，第一行输出 REPLICA http://127.0.0.1:端口"),
                       ("truth", "按行输出每篇文章的标准答案（JSON）")):
        cmd = sub.add_parser(name, help=text, description=text)
        cmd.add_argument("--articles", type=int, default=500, help="文章数（默认 500）")
        cmd.add_argument("--seed", type=int, default=1, help="随机种子（默认 1）")
        cmd.add_argument("--per-day", type=float, default=ARTICLES_PER_DAY,
                         help=f"每天发布的文章数，决定日期跨度（默认 {ARTICLES_PER_DAY}）")
        if name == "serve":
            cmd.add_argument("--port", type=int, default=0, help="端口（默认 0：由系统分配）")
            cmd.add_argument("--slow-seconds", type=float, default=2.0, help="慢页面的延迟秒数（默认 2）")
            cmd.add_argument("--stop-on-eof", action="store_true", help="标准输入关闭（父进程退出）时停止")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.command == "truth":
        for article in generate(args.articles, args.seed, args.per_day).articles:
            sys.stdout.write(json.dumps(article.truth(), ensure_ascii=False) + "\n")
        return
    from crawler.replica.server import serve  # Twisted's reactor is installed on import

    serve(args.articles, args.seed, args.port, args.slow_seconds, args.per_day, args.stop_on_eof)


if __name__ == "__main__":
    main()
