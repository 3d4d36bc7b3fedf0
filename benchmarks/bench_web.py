"""Latency of the home and story pages at 100k stories, under concurrent requests.

    python benchmarks/bench_web.py [--stories 100000] [--requests 2000] [--concurrency 16]

1. Fills a fresh SQLite database with synthetic stories in the story data contract
   (bulk insert into ``stories``), then builds the web index with ``reindex``.
2. Serves it with uvicorn in a child process (so the load generator does not share its
   interpreter), on 127.0.0.1 only.
3. Sends ``--requests`` GETs per page kind with an httpx async client, ``--concurrency``
   in flight, and prints p50/p95/max per kind. Home requests spread over the first pages
   and the filters; story requests over random story ids.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import insert

from quorum.store import Store
from quorum.store.index import reindex
from quorum.store.schema import StoryRow

WORDS = (
    "satellite launch contract missile tracking orbit tranche hypersonic radar budget "
    "agency constellation award test defense space force navy army drone"
).split()
ENTITIES = [
    ("Space Development Agency", "ORG"),
    ("SpaceX", "ORG"),
    ("NASA", "ORG"),
    ("Pentagon", "ORG"),
    ("China", "LOC"),
    ("Russia", "LOC"),
    ("Ukraine", "LOC"),
    ("Lockheed Martin", "ORG"),
    ("Golden Dome", "MISC"),
    ("GPS", "MISC"),
]
OUTLETS = [
    "spacenews.com",
    "breakingdefense.com",
    "defensenews.com",
    "apnews.com",
    "reuters.com",
    "c4isrnet.com",
]


def _sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 18))).capitalize() + "."


def _story(i: int, rng: random.Random, start: datetime) -> dict:
    when = start + timedelta(minutes=i * 5)
    title = _sentence(rng)[:-1]
    cites = [
        {"text": _sentence(rng), "article_id": i * 3 + k, "start": 0, "end": 60} for k in range(3)
    ]
    articles = [
        {
            "id": i * 3 + k,
            "outlet": o,
            "outlet_name": o,
            "title": _sentence(rng),
            "url": f"https://{o}/{i}-{k}",
            "published": when.isoformat(),
            "origin": f"o{k}",
            "is_copy": False,
        }
        for k, o in enumerate(rng.sample(OUTLETS, 3))
    ]
    impact = round(rng.uniform(1, 10), 1)
    ents = rng.sample(ENTITIES, 3)
    data = {
        "headline": {
            "text": title,
            "article_id": i * 3,
            "start": 0,
            "end": len(title),
            "field": "title",
        },
        "label": "Verified by 3 independent sources",
        "origins": [
            {"key": f"o{k}", "article_ids": [i * 3 + k], "outlets": [a["outlet"]], "why": []}
            for k, a in enumerate(articles)
        ],
        "articles": articles,
        "takeaways": cites[:2],
        "what_to_watch": cites[2:],
        "key_facts": [
            {
                "text": "$1.2 billion",
                "kind": "quantity",
                "subject": "contract",
                "sources": 2,
                "outlets": OUTLETS[:2],
                "cited": cites[:1],
            }
        ],
        "entities": [
            {"name": n, "type": t, "aliases": [], "count": 2, "cited": []} for n, t in ents
        ],
        "scores": {
            "impact": {
                "value": impact,
                "label": "",
                "evidence": [
                    {"factor": "financial", "weight": 2.0, "rule": "$1B+", "cited": cites[0]}
                ],
            }
        },
        "in_beat": True,
    }
    return dict(
        id=f"s{i:07d}",
        title=title,
        first_seen=when,
        last_seen=when,
        article_count=3,
        independent_sources=3,
        status="verified" if i % 10 else "held",
        impact=impact,
        sentiment=round(rng.uniform(-1, 1), 2),
        data=data,
        updated=when,
    )


def fill(db: str, n: int) -> None:
    rng = random.Random(7)
    store = Store.open(db)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    t0 = time.perf_counter()
    with store.engine.begin() as conn:
        for lo in range(0, n, 5000):
            conn.execute(
                insert(StoryRow), [_story(i, rng, start) for i in range(lo, min(n, lo + 5000))]
            )
    t1 = time.perf_counter()
    reindex(store)
    t2 = time.perf_counter()
    store.close()
    print(f"filled {n} stories in {t1 - t0:.1f} s; reindex {t2 - t1:.1f} s")


def serve(db: str, port: int) -> None:
    import uvicorn

    from quorum.settings import Config
    from quorum.web.app import create_app

    app = create_app(Store.open(db, migrate=False), Config())
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


async def _load(base: str, paths: list[str], concurrency: int) -> list[float]:
    queue: asyncio.Queue[str] = asyncio.Queue()
    for p in paths:
        queue.put_nowait(p)
    times: list[float] = []
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:

        async def worker() -> None:
            while not queue.empty():
                path = queue.get_nowait()
                t = time.perf_counter()
                r = await client.get(path)
                times.append((time.perf_counter() - t) * 1000)
                if r.status_code != 200:
                    raise RuntimeError(f"{path}: HTTP {r.status_code}")

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return times


def _pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--stories", type=int, default=100_000)
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument(
        "--concurrency", default="1,8,16", help="Comma-separated levels of requests in flight."
    )
    ap.add_argument("--db", help="Reuse this database (filled when it does not exist).")
    ap.add_argument("--serve", nargs=2, metavar=("DB", "PORT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        serve(args.serve[0], int(args.serve[1]))
        return
    tmp = tempfile.TemporaryDirectory()
    db = args.db or str(Path(tmp.name) / "bench.db")
    if not Path(db).exists():
        fill(db, args.stories)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    child = subprocess.Popen([sys.executable, __file__, "--serve", db, str(port)])
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                httpx.get(base + "/static/site.css", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        rng = random.Random(11)
        ids = [f"s{i:07d}" for i in range(args.stories) if i % 10]  # held ones are 404
        home = [
            rng.choice(["/", "/?page=2", "/?page=5", "/?min_impact=8", "/?tier=", "/index.json"])
            for _ in range(args.requests)
        ]
        story = [f"/story/{rng.choice(ids)}" for _ in range(args.requests)]
        asyncio.run(_load(base, home[:50] + story[:50], 4))  # warm-up
        results = {}
        for level in [int(c) for c in args.concurrency.split(",")]:
            for name, paths in (("home", home), ("story", story)):
                times = asyncio.run(_load(base, paths, level))
                key = f"{name}@{level}"
                results[key] = {
                    "requests": len(times),
                    "p50_ms": round(_pct(times, 50), 1),
                    "p95_ms": round(_pct(times, 95), 1),
                    "max_ms": round(max(times), 1),
                }
                print(
                    f"{name:6s} n={len(times)} concurrency={level:<3d} "
                    f"p50={results[key]['p50_ms']} ms p95={results[key]['p95_ms']} ms "
                    f"max={results[key]['max_ms']} ms"
                )
        print(json.dumps({"stories": args.stories, **results}))
    finally:
        child.terminate()
        child.wait(timeout=10)
        tmp.cleanup()


if __name__ == "__main__":
    main()
