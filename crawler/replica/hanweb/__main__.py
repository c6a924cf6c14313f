"""`python -m crawler.replica.hanweb serve|truth`: the provincial replica, or its ground truth as JSON lines."""

from __future__ import annotations

import argparse
import json
import sys

from crawler.replica.hanweb.generator import ITEMS_PER_DAY, generate


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m crawler.replica.hanweb", description="江苏工会网的本地副本。")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, text in (("serve", "在 127.0.0.1 上提供副本网站，第一行输出 REPLICA http://127.0.0.1:端口"),
                       ("truth", "按行输出每篇稿件的标准答案（JSON）")):
        cmd = sub.add_parser(name, help=text, description=text)
        cmd.add_argument("--articles", type=int, default=500, help="稿件数（默认 500）")
        cmd.add_argument("--seed", type=int, default=1, help="随机种子（默认 1）")
        cmd.add_argument("--per-day", type=float, default=ITEMS_PER_DAY, help="每天发布的稿件数")
        if name == "serve":
            cmd.add_argument("--port", type=int, default=0, help="端口（默认 0：由系统分配）")
            cmd.add_argument("--stop-on-eof", action="store_true", help="标准输入关闭（父进程退出）时停止")
    args = parser.parse_args(argv)
    if args.command == "truth":
        for item in generate(args.articles, args.seed, args.per_day).items:
            sys.stdout.write(json.dumps(item.truth(), ensure_ascii=False) + "\n")
        return
    from crawler.replica.hanweb.server import serve  # Twisted's reactor is installed on import

    serve(args.articles, args.seed, args.port, args.per_day, args.stop_on_eof)


if __name__ == "__main__":
    main()
