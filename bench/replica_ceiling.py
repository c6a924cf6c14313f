"""The replica server's own ceiling: requests/second it answers on loopback over many keep-alive connections.

Starts the replica in its own process, then drives it from CLIENTS other processes, each holding
CONNECTIONS/CLIENTS persistent HTTP/1.1 connections that fetch article and list pages for SECONDS.

    .venv/bin/python bench/replica_ceiling.py [--articles 20000] [--connections 64] [--clients 2] [--seconds 5]

Prints one human line and one JSON line of figures. Loopback only; bounded in time and in requests.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import random
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from crawler.replica.generator import COLUMNS, list_path  # noqa: E402
from crawler.replica.process import ReplicaProcess  # noqa: E402

MAX_REQUESTS_PER_CONNECTION = 200_000


async def _connection(host: str, port: int, paths: list[str], deadline: float) -> tuple[int, int]:
    reader, writer = await asyncio.open_connection(host, port)
    done = errors = 0
    i = random.randrange(len(paths))
    try:
        while time.monotonic() < deadline and done < MAX_REQUESTS_PER_CONNECTION:
            path = paths[i % len(paths)]
            i += 1
            writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode("latin-1"))
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            await reader.readexactly(length)
            if head[9:12] == b"200":
                done += 1
            else:
                errors += 1
    finally:
        writer.close()
    return done, errors


async def _client(host: str, port: int, paths: list[str], connections: int, seconds: float) -> tuple[int, int]:
    deadline = time.monotonic() + seconds
    results = await asyncio.gather(*(_connection(host, port, paths, deadline) for _ in range(connections)))
    return sum(r[0] for r in results), sum(r[1] for r in results)


def _client_process(host: str, port: int, paths: list[str], connections: int, seconds: float,
                    out: multiprocessing.Queue) -> None:
    out.put(asyncio.run(_client(host, port, paths, connections, seconds)))


def main() -> None:
    parser = argparse.ArgumentParser(description="副本服务器自身的吞吐上限（每秒请求数）。")
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--clients", type=int, default=2, help="客户端进程数")
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()

    started = time.perf_counter()
    with ReplicaProcess(articles=args.articles, slow_seconds=0.0) as replica:
        startup = time.perf_counter() - started
        server = psutil.Process(replica._proc.pid)  # type: ignore[union-attr]
        rss_start = server.memory_info().rss
        site = replica.site
        skip = {site.quirks.get(q) for q in ("slow", "flaky", "not_found")}
        paths = [a.legacy_path for a in site.articles if a.id not in skip]
        for column in COLUMNS:
            paths += [list_path(column.key, p) for p in range(1, site.page_count(column.key) + 1)]
        random.Random(1).shuffle(paths)
        url = urlsplit(replica.base_url)
        host, port = url.hostname or "127.0.0.1", int(url.port or 80)

        per_client = max(1, args.connections // args.clients)
        queue: multiprocessing.Queue = multiprocessing.Queue()
        clients = [multiprocessing.Process(target=_client_process,
                                           args=(host, port, paths, per_client, args.seconds, queue))
                   for _ in range(args.clients)]
        began = time.perf_counter()
        for proc in clients:
            proc.start()
        results = [queue.get(timeout=args.seconds + 60) for _ in clients]
        for proc in clients:
            proc.join(timeout=10)
        elapsed = time.perf_counter() - began
        rss_end = server.memory_info().rss
        stats = replica.stats()

    ok = sum(r[0] for r in results)
    errors = sum(r[1] for r in results)
    figures = {
        "articles": args.articles, "connections": per_client * args.clients, "clients": args.clients,
        "seconds": round(elapsed, 2), "requests": ok, "errors": errors, "requests_per_second": round(ok / elapsed),
        "server_requests": stats["total"], "server_connections": stats["connections"], "startup_seconds": round(startup, 2),
        "server_rss_mb_start": round(rss_start / 2**20, 1), "server_rss_mb_end": round(rss_end / 2**20, 1),
    }
    print(f"副本服务器上限：{figures['requests_per_second']} 请求/秒（{figures['connections']} 个长连接，"
          f"{args.articles} 篇文章，启动 {figures['startup_seconds']} 秒，内存 {figures['server_rss_mb_end']} MB）")
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
