"""Extraction speed and memory over a directory of saved pages (e.g. the Fundus set).

    python benchmarks/bench_extraction.py --html ../shared/data/extraction/fundus-eval-html

Prints articles/second (timed pass, no tracing) and peak memory: Python heap peak from a
second pass under tracemalloc (lxml's C allocations are not traced, hence also) the
process's peak resident set size from ``ru_maxrss``. ``bench_extraction`` is the function to
call from a larger benchmark.
"""

from __future__ import annotations

import argparse
import gzip
import resource
import sys
import time
import tracemalloc
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from quorum.extract import extract


@dataclass(frozen=True, slots=True)
class ExtractionBench:
    pages: int
    seconds: float
    python_peak_mb: float | None
    max_rss_mb: float

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.seconds if self.seconds > 0 else 0.0


def load_pages(directory: Path) -> list[bytes]:
    """Every ``*.html`` / ``*.html.gz`` page of ``directory``, decompressed, in name order."""
    pages = []
    for path in sorted(directory.iterdir()):
        if path.name.endswith((".html", ".htm", ".html.gz", ".htm.gz")):
            data = path.read_bytes()
            pages.append(gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data)
    return pages


def bench_extraction(
    pages: Sequence[bytes], repeat: int = 1, trace: bool = True
) -> ExtractionBench:
    """Time ``extract`` over ``pages`` (``repeat`` times), then measure its heap peak once."""
    started = time.perf_counter()
    for _ in range(repeat):
        for page in pages:
            extract(page)
    seconds = time.perf_counter() - started
    python_peak = None
    if trace:
        tracemalloc.start()
        for page in pages:
            extract(page)
        python_peak = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
    # ru_maxrss is KiB on Linux (bytes on macOS)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rss_mb = rss / 1e6 if sys.platform == "darwin" else rss / 1024
    return ExtractionBench(len(pages) * repeat, seconds, python_peak, rss_mb)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", type=Path, required=True, help="directory of pages")
    parser.add_argument("--repeat", type=int, default=1, help="timed passes over the pages")
    parser.add_argument("--no-trace", action="store_true", help="skip the tracemalloc pass")
    args = parser.parse_args(argv)
    if not args.html.is_dir():
        print(f"error: not a directory: {args.html}", file=sys.stderr)
        return 2
    pages = load_pages(args.html)
    if not pages:
        print(f"error: no .html or .html.gz pages in {args.html}", file=sys.stderr)
        return 2
    result = bench_extraction(pages, repeat=args.repeat, trace=not args.no_trace)
    megabytes = sum(len(p) for p in pages) / 1e6
    print(f"pages: {result.pages} ({megabytes:.1f} MB of HTML per pass)")
    print(f"articles/second: {result.pages_per_second:.1f} ({result.seconds:.1f} s)")
    if result.python_peak_mb is not None:
        print(f"peak Python heap (tracemalloc): {result.python_peak_mb:.1f} MB")
    print(f"peak RSS (ru_maxrss): {result.max_rss_mb:.1f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
