"""Hostile-markup benchmark: ``<div>`` nested N deep through every parse of fetched markup.

    python benchmarks/bench_hostile_markup.py [--depths 10000 20000 40000 200000]
                                              [--timeout 300]

For each depth and each path a page or feed takes, prints the seconds and the peak memory
of that one call (after a warm-up call on a shallow input): extraction (``extract``), the
canonical URL (``canonical_from_html``) and the feed summary made text (``parse_feed``
of an RSS item whose description is the nested markup, then the fallback's
``_html_to_text``). Each case runs in a fresh process, so its peak resident set size
(``ru_maxrss``, less the process's size before the call) is its own; a case still running
after ``--timeout`` seconds is stopped and reported as such. "result" says whether the
text (or, for the canonical path, the URL) came out.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from xml.sax.saxutils import escape

PATHS = ("extract", "canonical", "feed_summary")
TEXT = "The Space Force awarded a contract for twelve navigation satellites on Monday."


def nested_html(depth: int) -> str:
    """A page whose one paragraph sits under ``depth`` nested <div>s."""
    return (
        '<!doctype html><html><head><title>Deep page</title><link rel="canonical" '
        'href="https://bench.example/news/deep"></head><body>'
        + "<div>" * depth
        + f"<p>{TEXT}</p>"
        + "</div>" * depth
        + "</body></html>"
    )


def nested_feed(depth: int) -> bytes:
    """An RSS feed with one item whose description is the nested markup, escaped."""
    summary = "<div>" * depth + TEXT + "</div>" * depth
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        "<link>https://bench.example/</link><description>d</description><item>"
        "<title>Deep summary</title><link>https://bench.example/news/deep</link>"
        f"<description>{escape(summary)}</description></item></channel></rss>"
    ).encode()


def run_case(path: str, depth: int) -> dict:
    """One call of one path, in this process: seconds, peak memory and whether text came out.

    The path first runs once on a 10-deep input, so one-off imports and data loads
    (trafilatura's, dateparser's) are not counted.
    """
    if depth > 10:
        run_case(path, 10)
    url = "https://bench.example/news/deep"
    if path == "feed_summary":
        from quorum.feeds import parse_feed
        from quorum.ingest import _html_to_text

        data = nested_feed(depth)

        def call() -> str:
            items = parse_feed(data, "https://bench.example/feed.xml", 10).items
            return _html_to_text(items[0].summary) if items else ""

    elif path == "canonical":
        from quorum.urls import canonical_from_html

        page = nested_html(depth)

        def call() -> str:
            return canonical_from_html(page, url) or ""

    else:
        from quorum.extract import extract

        page = nested_html(depth)

        def call() -> str:
            return extract(page, url).text

    rss_before = _max_rss_mib()
    started = time.perf_counter()
    result = call()
    seconds = time.perf_counter() - started
    return {
        "path": path,
        "depth": depth,
        "seconds": round(seconds, 3),
        "peak_mib": round(_max_rss_mib() - rss_before, 1),
        "got": "text" if TEXT[:20] in result else ("url" if result.startswith("http") else "-"),
    }


def _max_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--depths", type=int, nargs="+", default=[10_000, 20_000, 40_000, 200_000])
    parser.add_argument("--paths", nargs="+", choices=PATHS, default=list(PATHS))
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--one", nargs=2, metavar=("PATH", "DEPTH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_case(args.one[0], int(args.one[1]))))
        return
    for depth in args.depths:
        for path in args.paths:
            command = [sys.executable, __file__, "--one", path, str(depth)]
            try:
                done = subprocess.run(
                    command, capture_output=True, text=True, check=True, timeout=args.timeout
                )
            except subprocess.TimeoutExpired:
                print(f"depth {depth:>7,}  {path:<13} stopped after {args.timeout:g} s")
                continue
            row = json.loads(done.stdout.strip().splitlines()[-1])
            print(
                f"depth {depth:>7,}  {path:<13} {row['seconds']:8.3f} s  "
                f"peak +{row['peak_mib']:6.1f} MiB  result: {row['got']}"
            )


if __name__ == "__main__":
    main()
