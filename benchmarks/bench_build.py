"""Build cost on real article text: a full build, then a poll of 100 new articles.

    python benchmarks/bench_build.py --sizes 1000,10000
    python benchmarks/bench_build.py --sizes 100000 --data path/to/multinews.jsonl.gz

The articles are Multi-News documents (``/work/shared/data/summarization/
multinews-validation.jsonl.gz`` by default; never used by the tests) given synthetic dates
(each Multi-News cluster is one event, its documents within 36 hours, events spread over a
year), outlets (40 synthetic outlets) and URLs; every article is stored as in the beat, as
if the beat filter were relaxed. The 100 newest articles are held back as the next poll.
Past the ~15k documents of the file, documents are reused as new events of later dates
(marked "cycled" in the output).

Each size runs in fresh subprocesses, so peak memory (ru_maxrss) is each phase's own:
1. store all but the newest 100 articles, then ``build_stories`` (a first build: full);
2. store the 100 newest, then ``build_stories`` again (incremental) in a new process.

Printed per size: full-build articles/s and seconds per stage, the seconds to absorb 100
new articles with their stages, and both phases' peak memory.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

DEFAULT_DATA = "/work/shared/data/summarization/multinews-validation.jsonl.gz"
NEW = 100  # articles in the poll after the archive
OUTLETS = 40
START = datetime(2025, 1, 1, tzinfo=UTC)


def articles(path: str, n: int) -> tuple[list, bool]:
    """``n`` articles from Multi-News, dated, oldest first, and whether documents were reused."""
    from quorum.records import Article

    docs: list[list[str]] = []
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            group = [d.strip() for d in json.loads(line)["documents"] if len(d.strip()) > 300]
            if group:
                docs.append(group)
    rng = random.Random(13)
    out: list[Article] = []
    events = 0
    while len(out) < n:
        for group in docs:
            cycle = events // len(docs)
            events += 1
            for i, text in enumerate(group):
                words = text.split()
                out.append(
                    Article(
                        url=f"https://outlet{rng.randrange(OUTLETS)}.example/e{events}/{i}",
                        title=" ".join(words[:12]) + (f" ({cycle})" if cycle else ""),
                        text=text,
                        outlet=f"outlet{rng.randrange(OUTLETS)}.example",
                        published=None,  # set below, once the number of events is known
                        via="dump",
                        extra={"event": events},
                    )
                )
            if len(out) >= n:
                break
    spread = timedelta(days=365) / max(1, events)
    dated = []
    for a in out[:n]:
        when = START + spread * a.extra["event"] + timedelta(hours=rng.uniform(0, 36))
        dated.append(_with(a, published=when))
    return sorted(dated, key=lambda a: (a.published, a.url)), events > len(docs)


def _with(article, **changes):
    import dataclasses

    return dataclasses.replace(article, **changes)


def store(db: str, items: list) -> None:
    from quorum.records import BeatScore, Outlet
    from quorum.store import Store
    from quorum.store.store import NewArticle

    beat = BeatScore(True, 1.0, ())
    with Store.open(db) as st:
        for i in range(0, len(items), 500):
            st.add_articles(
                [
                    NewArticle(a, beat=beat, outlet=Outlet(a.outlet, a.outlet))
                    for a in items[i : i + 500]
                ]
            )


def phase(db: str, data: str, n: int, which: str) -> dict:
    from quorum.desk import Desk
    from quorum.pipeline import build_stories
    from quorum.store.builds import build_state

    items, cycled = articles(data, n)
    part = items[: n - NEW] if which == "full" else items[n - NEW :]
    store(db, part)
    with Desk.open(db) as desk:
        start = time.perf_counter()
        summary = build_stories(desk)
        seconds = time.perf_counter() - start
        state = build_state(desk.store)
    return {
        "checkpoint_mb": round(len(state.checkpoint or b"") / 1e6, 1),
        "articles": len(part),
        "seconds": round(seconds, 2),
        "full": summary.full,
        "stages": summary.seconds,
        "stories": summary.stories,
        "touched": summary.touched,
        "cycled": cycled,
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def run_size(n: int, data: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "bench.db")
        got = {}
        for which in ("full", "poll"):
            out = subprocess.run(
                [sys.executable, __file__, "--one", str(n), which, db, "--data", data],
                capture_output=True,
                text=True,
                check=True,
            )
            got[which] = json.loads(out.stdout.strip().splitlines()[-1])
    full, poll = got["full"], got["poll"]
    rate = full["articles"] / full["seconds"] if full["seconds"] else 0.0
    print(f"{n} articles{' (cycled)' if full['cycled'] else ''}: {full['stories']} stories")
    print(
        f"  full build: {full['articles']} articles in {full['seconds']} s = {rate:.1f} "
        f"articles/s; stages {full['stages']}; peak {full['peak_mb']} MB"
    )
    print(
        f"  +{NEW} new articles: {poll['seconds']} s, {poll['touched']} stories touched; "
        f"stages {poll['stages']}; peak {poll['peak_mb']} MB; checkpoint "
        f"{poll.get('checkpoint_mb')} MB"
    )
    sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--data", default=DEFAULT_DATA)
    parser.add_argument("--one", nargs=3, metavar=("N", "PHASE", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        n, which, db = args.one
        print(json.dumps(phase(db, args.data, int(n), which)))
        return
    for n in (int(s) for s in args.sizes.split(",")):
        run_size(n, args.data)


if __name__ == "__main__":
    main()
