"""Sentence-sentiment throughput of each model, in sentences per second.

    PYTHONPATH=src python benchmarks/bench_sentiment.py [FILE.jsonl] [--threads N]

FILE is NewsMTSC- or SemEval-style JSONL (default: sentences generated from a few templates,
so the script runs without the development data). Sentences are scored in article-sized
batches through ``SentimentScorer.score_sentences``, the path ``score_article`` takes.
Target (issue 15): the MiniLM path at >= 200 sentences/s on 2 CPU cores.
"""

from __future__ import annotations

import argparse
import itertools
import time
from pathlib import Path

from quorum.enrich.sentiment import SentimentScorer, minilm_available
from quorum.evaluation.sentiment import read_rows

TEMPLATES = (
    "The {0} launch was scrubbed on Tuesday after engineers found a leak in the {1} stage.",
    "Officials said the {0} contract, worth $2.1 billion, would fund {1} new satellites.",
    "A missile strike on the {0} base killed {1} soldiers and wounded dozens more.",
    "The committee praised the {0} team for a flawless {1} test ahead of schedule.",
)


def generated(count: int) -> list[str]:
    words = ("Atlas", "Falcon", "Ariane", "Vulcan", "Soyuz", "Electron", "Vega", "Kuiper")
    combos = itertools.cycle(itertools.product(TEMPLATES, words, words))
    return [template.format(a, b) for template, a, b in itertools.islice(combos, count)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", type=Path)
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=30, help="sentences per article")
    args = parser.parse_args()
    sentences = (
        [r.sentence for r in read_rows(args.data)][: args.count]
        if args.data
        else generated(args.count)
    )
    models = ["classic"] + (["minilm"] if minilm_available() else [])
    for name in models:
        scorer = SentimentScorer.load(model=name)
        scorer.score_sentences(sentences[:64])  # warm-up
        started = time.perf_counter()
        for k in range(0, len(sentences), args.batch):
            scorer.score_sentences(sentences[k : k + args.batch])
        seconds = time.perf_counter() - started
        print(
            f"{name}: {len(sentences)} sentences in {seconds:.2f} s = "
            f"{len(sentences) / seconds:.0f} sentences/s"
        )


if __name__ == "__main__":
    main()
