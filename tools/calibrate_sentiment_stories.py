"""Set the story (and article) tier cuts of a sentiment model on judged real-news stories.

    PYTHONPATH=src python tools/calibrate_sentiment_stories.py \
        /work/shared/data/realnews/allsides-world-dev.jsonl.gz \
        src/quorum/data/labels/realnews-sentiment.jsonl --model minilm [--write]

Stories are scored as the pipeline scores them (``score_article`` per member, then
``score_story``). ``aggregate_neutral`` and ``aggregate_strong`` are chosen on the ``tune``
half only (five-tier accuracy, then the smaller mean tier distance); figures are printed for
both halves, with the cuts before and after. ``--write`` stores the two cuts in the model's
``tiers.json``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from importlib import resources
from pathlib import Path

import numpy as np

from quorum.enrich.sentiment import SentimentScorer
from quorum.evaluation.sentiment import (
    read_dump_articles,
    read_story_verdicts,
    story_figures,
    story_polarities,
    tier_figures,
)

NEUTRAL_GRID = np.round(np.arange(0.02, 0.31, 0.01), 2)
STRONG_GRID = np.round(np.arange(0.10, 0.81, 0.01), 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dump", type=Path)
    parser.add_argument("labels", type=Path)
    parser.add_argument("--model", default="minilm")
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    scorer = SentimentScorer.load(model=args.model)
    verdicts = read_story_verdicts(args.labels)
    articles = read_dump_articles(args.dump, {m for v in verdicts for m in v.members})
    polarity = story_polarities(scorer, verdicts, articles)
    halves = {
        half: [k for k, v in enumerate(verdicts) if v.half == half] for half in ("tune", "heldout")
    }

    def figures(cuts, half):
        idx = halves[half]
        guess = [cuts.aggregate_tier(polarity[k]) for k in idx]
        return story_figures([verdicts[k].tier for k in idx], guess)

    before = scorer.cuts
    best = None
    tune_gold = [verdicts[k].tier for k in halves["tune"]]
    for neutral in NEUTRAL_GRID:
        for strong in STRONG_GRID:
            if strong <= neutral:
                continue
            cuts = dataclasses.replace(
                before, aggregate_neutral=float(neutral), aggregate_strong=float(strong)
            )
            fig = tier_figures(
                tune_gold, [cuts.aggregate_tier(polarity[k]) for k in halves["tune"]]
            )
            key = (round(fig["accuracy"], 6), -round(fig["mae"], 6))
            if best is None or key > best[0]:
                best = (key, cuts)
    after = best[1]
    print(f"model {scorer.model_name}; story polarities {np.round(sorted(polarity), 2).tolist()}")
    for name, cuts in (("before", before), ("after", after)):
        print(
            f"{name}: aggregate_neutral {cuts.aggregate_neutral}, "
            f"aggregate_strong {cuts.aggregate_strong}"
        )
        for half in ("tune", "heldout"):
            print(f"  {half}: {json.dumps(figures(cuts, half))}")
    if args.write:
        folder = resources.files("quorum") / "data" / "sentiment"
        path = Path(str(folder / ("minilm/tiers.json" if args.model == "minilm" else "tiers.json")))
        raw = json.loads(path.read_text(encoding="utf-8"))
        raw["aggregate_neutral"] = after.aggregate_neutral
        raw["aggregate_strong"] = after.aggregate_strong
        raw["aggregate_calibrated_on"] = (
            f"{args.labels.name}, tune half ({len(halves['tune'])} judged stories)"
        )
        path.write_text(json.dumps(raw, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
