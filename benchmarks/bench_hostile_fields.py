"""Hostile-field benchmark: long titles through ingest and build, and VADER on long text.

    python benchmarks/bench_hostile_fields.py [--titles 100000,700000,4000000]
        [--stored 100000,200000,400000] [--words 4000,8000,16000,32000] [--original]

Three figures, each case in its own fresh process so its peak memory (max RSS) is its own:

1. ``ingest``: a JSONL dump of three in-beat articles, one with a title of N characters,
   ingested and built. Ingest caps the title, so time and memory stay flat whatever N.
2. ``stored``: the same long title written straight through the Store API (rows of an
   older version, which capped nothing), then built: time should grow linearly with N.
3. ``vader``: VADER's polarity on one "sentence" of N words, as the sentiment enricher
   calls it; linear (``--original`` also times vaderSentiment's own, quadratic, code).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

TEXTS = (
    "The Space Force awarded a contract worth $1.2 billion for twelve navigation satellites "
    "on Monday, officials said at a briefing in Colorado.",
    "The Army fired a hypersonic missile from a launcher in New Mexico, and the Pentagon "
    "said the interceptor test met its goals.",
    "A SpaceX Falcon 9 rocket launched a spy satellite for the National Reconnaissance "
    "Office from Vandenberg on Tuesday, and another launch is planned next Friday.",
)
WORDS = "the launch was not good but never so bad , kind of great without doubt".split()


def _max_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _long_title(chars: int) -> str:
    return ("Launch " * (chars // 7 + 1))[:chars]


def _ingest_case(chars: int) -> dict:
    from quorum.desk import Desk
    from quorum.ingest import Ingestor
    from quorum.pipeline import build_stories

    when = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    with tempfile.TemporaryDirectory() as tmp:
        dump = Path(tmp) / "dump.jsonl"
        rows = [
            {"id": str(i), "title": f"Story {i}", "text": t, "date": when}
            for i, t in enumerate(TEXTS)
        ]
        rows[-1]["title"] = _long_title(chars)
        dump.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
        with Desk.open(str(Path(tmp) / "b.db"), None) as desk:
            build_stories(desk)  # load the models before timing
            before = _max_rss_mib()
            start = time.perf_counter()
            Ingestor(desk.store, desk.config, desk.registry, desk.beat).ingest_jsonl(dump)
            ingested = time.perf_counter()
            summary = build_stories(desk)
            built = time.perf_counter()
            title = max(len(a.title) for a in desk.store.articles())
    return dict(
        ingest=ingested - start,
        build=built - ingested,
        stories=summary.stories,
        stored_title=title,
        rss_before=before,
        rss_peak=_max_rss_mib(),
    )


def _stored_case(chars: int) -> dict:
    from quorum.desk import Desk
    from quorum.pipeline import build_stories
    from quorum.records import Article
    from quorum.store import NewArticle

    when = datetime.now(UTC) - timedelta(days=1)
    with tempfile.TemporaryDirectory() as tmp, Desk.open(str(Path(tmp) / "b.db"), None) as desk:
        build_stories(desk)
        arts = [
            Article(f"https://b.example/{i}", f"Story {i}", t, "b.example", published=when)
            for i, t in enumerate(TEXTS)
        ]
        arts[-1] = Article(arts[-1].url, _long_title(chars), TEXTS[-1], "b.example", when)
        before = _max_rss_mib()
        start = time.perf_counter()
        desk.store.add_articles([NewArticle(a, beat=desk.beat.score("", a.text)) for a in arts])
        summary = build_stories(desk)
        elapsed = time.perf_counter() - start
    return dict(build=elapsed, stories=summary.stories, rss_before=before, rss_peak=_max_rss_mib())


def _vader_case(words: int, original: bool) -> dict:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    from quorum.enrich.sentiment import news_vader

    text = " ".join((WORDS * (words // len(WORDS) + 1))[:words])
    analyzer = SentimentIntensityAnalyzer() if original else news_vader()
    before = _max_rss_mib()
    start = time.perf_counter()
    analyzer.polarity_scores(text)
    return dict(seconds=time.perf_counter() - start, rss_before=before, rss_peak=_max_rss_mib())


def _in_child(func, *args) -> dict:
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(1) as pool:
        return pool.apply(func, args)


def _sizes(text: str) -> list[int]:
    return [int(s) for s in text.split(",") if s.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--titles", default="100000,700000,4000000")
    parser.add_argument("--stored", default="100000,200000,400000")
    parser.add_argument("--words", default="4000,8000,16000,32000")
    parser.add_argument("--original", action="store_true", help="also time vaderSentiment's")
    args = parser.parse_args()
    for chars in _sizes(args.titles):
        r = _in_child(_ingest_case, chars)
        print(
            f"ingest+build, title {chars:,} chars: ingest {r['ingest']:.2f} s, build "
            f"{r['build']:.2f} s, {r['stories']} stories, stored title {r['stored_title']} "
            f"chars; peak RSS {r['rss_peak']:.0f} MiB (before: {r['rss_before']:.0f} MiB)"
        )
    for chars in _sizes(args.stored):
        r = _in_child(_stored_case, chars)
        print(
            f"stored uncapped + build, title {chars:,} chars: {r['build']:.2f} s "
            f"({r['build'] / chars * 1e6:.1f} s per million chars), {r['stories']} stories; "
            f"peak RSS {r['rss_peak']:.0f} MiB (before: {r['rss_before']:.0f} MiB)"
        )
    for original in (False, True) if args.original else (False,):
        name = "vaderSentiment" if original else "Quorum's VADER"
        for words in _sizes(args.words):
            if original and words > 16_000:
                continue  # quadratic: minutes
            r = _in_child(_vader_case, words, original)
            print(
                f"{name}, {words:,} words: {r['seconds']:.2f} s "
                f"({r['seconds'] / words * 1e6:.1f} us per word); peak RSS "
                f"{r['rss_peak']:.0f} MiB (before: {r['rss_before']:.0f} MiB)"
            )


if __name__ == "__main__":
    main()
