"""Ingest benchmark: a 10,000-article JSONL dump into a fresh database.

    python benchmarks/bench_ingest.py [--articles 10000] [--db PATH_OR_URL]

Prints articles/second and peak memory (the process's maximum resident set size before
and after the ingest; tracemalloc is not used because it slows Python several-fold).
The dump is synthetic: news-length texts drawn from a Zipf-distributed vocabulary, with
dates, outlets and URLs, so the beat scorer, the canonicaliser and the store do real work.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path

import numpy as np

from quorum.desk import Desk
from quorum.ingest import Ingestor

WORDS = (
    "satellite launch orbit rocket contract pentagon missile defense space force army "
    "navy program budget test radar drone hypersonic agency company official said "
    "the a of to in and for on with by at from that this will was were has have"
).split()


def synthetic_dump(path: Path, n: int, seed: int = 7) -> None:
    rng = np.random.default_rng(seed)
    vocab = WORDS + [f"w{i}" for i in range(20_000)]
    ranks = np.arange(1, len(vocab) + 1)
    p = 1.0 / ranks**1.1
    p /= p.sum()
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            words = rng.choice(len(vocab), size=int(rng.integers(250, 600)), p=p)
            text = " ".join(vocab[w] for w in words)
            sentences = ". ".join(text[k : k + 120] for k in range(0, len(text), 120))
            row = {
                "id": str(i),
                "title": " ".join(vocab[w] for w in words[:9]),
                "text": sentences,
                "date": f"2026-10-{i % 28 + 1:02d}T12:00:00Z",
                "source": f"outlet{i % 40}.example",
                "url": f"https://outlet{i % 40}.example/news/{i}?utm_source=feed",
            }
            fh.write(json.dumps(row) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--db", default=None, help="default: a temporary SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        dump = Path(tmp) / "dump.jsonl"
        synthetic_dump(dump, args.articles)
        db = args.db or str(Path(tmp) / "bench.db")
        with Desk.open(db, None) as desk:
            ingestor = Ingestor(desk.store, desk.config, desk.registry, desk.beat)
            rss_before = _max_rss_mib()
            start = time.perf_counter()
            report = ingestor.ingest_jsonl(dump)
            elapsed = time.perf_counter() - start
    print(
        f"ingest JSONL: {report.stored} articles in {elapsed:.1f} s = "
        f"{report.stored / elapsed:,.0f} articles/s; peak memory (max RSS) "
        f"{_max_rss_mib():.0f} MiB (before ingest: {rss_before:.0f} MiB)"
    )


def _max_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    main()
