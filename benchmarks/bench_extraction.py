"""Extraction speed and memory over a directory of saved pages (e.g. the Fundus set).

    python benchmarks/bench_extraction.py --html ../shared/data/extraction/fundus-eval-html

Prints articles/second (timed pass, no tracing) and peak memory: Python heap peak from a
second pass under tracemalloc (lxml's C allocations are not traced, hence also) the
process's peak resident set size from ``ru_maxrss``. ``bench_extraction`` is the function to
call from a larger benchmark.

    python benchmarks/bench_extraction.py --dump ../shared/data/realnews/allsides-world-dev.jsonl.gz

counts page furniture in a dump's texts before and after ``drop_furniture_lines`` (what
ingest applies to dump text): articles with a line each cleaner pattern drops, and, as an
independent probe, articles in which the quote filter's ``sentence_patterns`` still find
furniture anywhere.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import resource
import sys
import time
import tracemalloc
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from quorum.extract import extract
from quorum.furniture import Boilerplate, default_boilerplate, drop_furniture_lines


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


def load_dump_texts(path: Path) -> list[str]:
    """The ``text`` of every row of a JSONL dump (gzipped or not)."""
    opener = gzip.open if path.read_bytes()[:2] == b"\x1f\x8b" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    return [r["text"] for r in rows if isinstance(r.get("text"), str)]


def furniture_counts(
    texts: Sequence[str], boilerplate: Boilerplate, probes: Sequence[re.Pattern[str]]
) -> dict[str, dict[str, int]]:
    """Articles with furniture, by pattern, before and after ``drop_furniture_lines``.

    ``line:``/``marker:`` rows count articles with a line that pattern drops (before only:
    after cleaning it is gone by construction); ``probe:`` rows count articles in which the
    independent ``probes`` find furniture anywhere, before and after; ``any probe`` is the
    share the issue asks about.
    """
    counts: dict[str, dict[str, int]] = {}

    def bump(key: str, when: str) -> None:
        counts.setdefault(key, {"before": 0, "after": 0})[when] += 1

    for text in texts:
        lines = [line.strip() for line in text.split("\n") if line.strip()]
        fired = set()
        for line in lines:
            fired.update(
                f"marker:{p.pattern}" for p in boilerplate.marker_patterns if p.search(line)
            )
            if len(line.split()) <= boilerplate.max_line_words:
                fired.update(
                    f"line:{p.pattern}" for p in boilerplate.line_patterns if p.match(line)
                )
        for key in fired:
            bump(key, "before")
        cleaned = drop_furniture_lines(text, boilerplate)
        for when, body in (("before", text), ("after", cleaned)):
            hits = [p.pattern for p in probes if p.search(body)]
            for pattern in hits:
                bump(f"probe:{pattern}", when)
            if hits:
                bump("any probe", when)
    return counts


def _print_furniture(path: Path) -> None:
    texts = load_dump_texts(path)
    ref = Path(__file__).resolve().parent.parent / "src/quorum/data/extraction_boilerplate.json"
    probes = [re.compile(p, re.I | re.M) for p in json.loads(ref.read_text())["sentence_patterns"]]
    counts = furniture_counts(texts, default_boilerplate(), probes)
    print(f"{len(texts)} articles; articles with furniture, before -> after cleaning:")
    for key, seen in sorted(counts.items(), key=lambda kv: -kv[1]["before"]):
        print(f"  {seen['before']:5} -> {seen['after']:5}  {key[:90]}")
    share = {
        w: counts.get("any probe", {}).get(w, 0) / max(1, len(texts)) for w in ("before", "after")
    }
    print(f"share with furniture (probes): {share['before']:.1%} -> {share['after']:.1%}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", type=Path, help="directory of pages")
    parser.add_argument("--dump", type=Path, help="JSONL dump: count furniture in its texts")
    parser.add_argument("--repeat", type=int, default=1, help="timed passes over the pages")
    parser.add_argument("--no-trace", action="store_true", help="skip the tracemalloc pass")
    args = parser.parse_args(argv)
    if args.dump:
        _print_furniture(args.dump)
        if not args.html:
            return 0
    if not args.html:
        parser.error("--html or --dump is required")
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
