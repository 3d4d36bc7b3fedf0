"""Time-expression scan speed: ``find_timexes`` against the plain scan of every pattern.

    python benchmarks/bench_timex.py [--data tbaq-dev.jsonl] [--repeat 3]

With ``--data`` (TempEval-style JSONL) it times the documents of that file, otherwise a
generated 5 KB news-like article repeated 100 times. Prints characters, seconds, KB/s and
milliseconds per 5 KB article for ``find_timexes`` (the windowed scan) and for the scan
running every pattern over the whole text (``_scan_all``, the first round's way), the best
of ``--repeat`` runs, and whether both scans found the same matches.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import date

from quorum.enrich.timex import _matches, _scan_all, find_timexes, rules

ARTICLE = (
    "The Air Force said Monday that the third GPS III satellite, launched on Dec. 23, 2018, "
    "will reach orbit next week. Officials expect the $529 million contract, awarded in "
    "the fourth quarter of fiscal 2019, to run for seven years, two months longer than the "
    "one signed last year. Three launches slipped to early next spring; the next is due "
    "at 10:35 a.m. EST Thursday, about 90 minutes after sunrise. "
)


def _docs(path: str | None) -> list[tuple[str, date]]:
    if path is None:
        text = (ARTICLE * (5000 // len(ARTICLE) + 1))[:5000]
        return [(text, date(2019, 1, 10))] * 100
    rows = [json.loads(line) for line in open(path, encoding="utf-8")]
    return [(r["text"], date.fromisoformat(r["dct"][:10])) for r in rows]


def _best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def _windowed(text: str) -> list[tuple[int, int, int]]:
    return sorted(c[:3] for c in _matches(text))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=None)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    docs = _docs(args.data)
    chars = sum(len(t) for t, _ in docs)
    rules()  # compile outside the timing
    find_timexes(docs[0][0], docs[0][1])
    for name, fn in (
        ("find_timexes", lambda: [find_timexes(t, a) for t, a in docs]),
        ("every pattern over the whole text", lambda: [_scan_all(t) for t, _ in docs]),
    ):
        s = _best(fn, args.repeat)
        print(
            f"{name}: {chars} characters in {s:.3f} s, {chars / s / 1000:.0f} KB/s, "
            f"{s / (chars / 5000) * 1000:.1f} ms per 5 KB"
        )
    same = all(_windowed(t) == _scan_all(t) for t, _ in docs)
    print(f"windowed scan finds exactly the matches of the full scan: {same}")


if __name__ == "__main__":
    main()
