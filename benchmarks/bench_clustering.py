"""Clustering throughput and peak memory on a synthetic article stream.

    python benchmarks/bench_clustering.py --sizes 10000,100000,1000000

Each size runs in a fresh subprocess (so peak memory is that run's own) over a stream of
synthetic articles: a Zipfian background vocabulary, stories with their own topic words
and capitalised names, story sizes from a heavy-tailed distribution, 300-600 words per
article, dates advancing at ``--per-day`` articles a day. Text is generated in numpy
outside the timed section ("pre-extracted text"); the timed part is ``StoryClusterer.add``
plus a merge pass every ``merge_every`` articles. The clusterer forgets expired stories
(``keep_expired_members=False``), as a long-running pipeline that stores assignments in its
database would. Cost per article should stay flat and memory should stop growing once the
active window (``expire_days`` of articles) is full.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from quorum.assemble.cluster import ClusterParams, StoryClusterer
from quorum.assemble.vectorize import SparseVector, TermCounts, Vectorizer, VectorParams
from quorum.records import Article

VOCAB = 60_000  # background word types
ZIPF_S = 1.1  # Zipf exponent of news text word frequencies
TOPIC_WORDS = 25  # words specific to one story
NAMES = 4  # capitalised names specific to one story
STORY_SHARE = 0.25  # share of an article's words drawn from its story's own words
CHUNK = 1_000  # articles generated (and counted) at a time: bounds memory in flight


def _syllable_words(rng: np.random.Generator, n: int, capital: bool = False) -> np.ndarray:
    syllables = np.array([c + v for c in "bcdfghjklmnprstvwz" for v in "aeiou"])
    lengths = rng.integers(2, 5, size=n)
    parts = rng.integers(0, len(syllables), size=(n, 4))
    words = ["".join(syllables[parts[i, : lengths[i]]]) for i in range(n)]
    if capital:
        words = [w.capitalize() for w in words]
    return np.array(words, dtype=object)


@dataclass
class _Stream:
    rng: np.random.Generator
    per_day: int
    vocab: np.ndarray
    names: np.ndarray
    cdf: np.ndarray

    @classmethod
    def create(cls, seed: int, per_day: int) -> _Stream:
        rng = np.random.default_rng(seed)
        vocab = _syllable_words(rng, VOCAB)
        names = _syllable_words(rng, VOCAB // 4, capital=True)
        weights = 1.0 / np.arange(1, VOCAB + 1) ** ZIPF_S
        return cls(rng, per_day, vocab, names, np.cumsum(weights) / weights.sum())

    def articles(self, total: int) -> Iterator[list[tuple[str, Article]]]:
        """Chunks of (key, article) in date order."""
        rng = self.rng
        start = datetime(2025, 1, 1, tzinfo=UTC)
        # Heavy-tailed story sizes (most stories 1-3 articles, a few hundreds).
        stories: list[tuple[np.ndarray, np.ndarray, int]] = []  # (topic, names, remaining)
        made = 0
        while made < total:
            n = min(CHUNK, total - made)
            lengths = rng.integers(300, 601, size=n)
            background = np.searchsorted(self.cdf, rng.random(int(lengths.sum())))
            offset = 0
            chunk = []
            for j in range(n):
                i = made + j
                # Open a new story, or continue one of the recently opened ones.
                if not stories or rng.random() < 0.35:
                    size = int(min(rng.zipf(1.8), 500))
                    topic = rng.integers(2_000, VOCAB, size=TOPIC_WORDS)
                    names = rng.integers(0, len(self.names), size=NAMES)
                    stories.append((topic, names, size))
                    stories = stories[-2_000:]  # only recent stories get follow-ups
                pick = len(stories) - 1 - min(int(rng.geometric(0.05)) - 1, len(stories) - 1)
                topic, names, remaining = stories[pick]
                if remaining <= 1:
                    stories.pop(pick)
                else:
                    stories[pick] = (topic, names, remaining - 1)
                length = int(lengths[j])
                words = self.vocab[background[offset : offset + length]].copy()
                offset += length
                own = rng.random(length) < STORY_SHARE
                words[own] = self.vocab[topic[rng.integers(0, TOPIC_WORDS, size=own.sum())]]
                spots = rng.integers(1, length, size=8)
                words[spots] = self.names[names[rng.integers(0, NAMES, size=8)]]
                words[::18] = [w.capitalize() + "" for w in words[::18]]
                text = ". ".join(" ".join(words[k : k + 18]) for k in range(0, length, 18))
                title = " ".join(words[:10])
                published = start + timedelta(days=i / self.per_day)
                chunk.append(
                    (
                        f"a{i}",
                        Article(
                            url=f"https://bench.example/{i}",
                            title=title,
                            text=text + ".",
                            outlet="bench.example",
                            published=published,
                        ),
                    )
                )
            made += n
            yield chunk


_WORKER_VECTORIZER: Vectorizer | None = None  # one per worker process, made by _init


def _init_worker(params: VectorParams) -> None:
    global _WORKER_VECTORIZER
    _WORKER_VECTORIZER = Vectorizer(params)


_Packed = tuple[np.ndarray, ...]


def _count_chunk(texts: list[tuple[str, str]]) -> _Packed:
    """Count a chunk and pack the counts into six flat arrays: one pickled array is far
    cheaper to send between processes than a thousand small ones."""
    assert _WORKER_VECTORIZER is not None
    counts = [_WORKER_VECTORIZER.count(title, text) for title, text in texts]
    packed: list[np.ndarray] = []
    for part in ("terms", "entities"):
        vectors = [getattr(c, part) for c in counts]
        packed.append(np.concatenate([v.idx for v in vectors]))
        packed.append(np.concatenate([v.val for v in vectors]))
        packed.append(np.cumsum([0] + [len(v) for v in vectors]))
    return tuple(packed)


def _unpack(packed: _Packed) -> list[TermCounts]:
    """The counts of ``_count_chunk``, as views into its arrays."""
    t_idx, t_val, t_ends, e_idx, e_val, e_ends = packed
    t, e = t_ends.tolist(), e_ends.tolist()
    return [
        TermCounts(
            SparseVector(t_idx[t[i] : t[i + 1]], t_val[t[i] : t[i + 1]]),
            SparseVector(e_idx[e[i] : e[i + 1]], e_val[e[i] : e[i + 1]]),
        )
        for i in range(len(t) - 1)
    ]


def run_one(size: int, per_day: int, seed: int, workers: int) -> dict:
    """Cluster ``size`` synthetic articles; return throughput and peak memory.

    With ``workers`` > 0, word counting (most of the per-article cost, and independent per
    article) runs in that many worker processes while this process files the counts in
    arrival order; the stories are the same as with ``StoryClusterer.add``.
    """
    params = ClusterParams(keep_expired_members=False)
    stream = _Stream.create(seed, per_day)
    chunks = stream.articles(size)
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    clusterer = StoryClusterer(params)
    generation = 0.0
    done = 0
    pool = (
        multiprocessing.get_context("fork").Pool(workers, _init_worker, (params.vectors,))
        if workers
        else None
    )

    def generated() -> Iterator[list[tuple[str, Article]]]:
        nonlocal generation
        while True:
            t = time.perf_counter()
            chunk = next(chunks, None)
            generation += time.perf_counter() - t
            if chunk is None:
                return
            yield chunk

    start, cpu_start = time.perf_counter(), time.process_time()
    pending = None
    for chunk in generated():
        if pool is None:
            for key, article in chunk:
                clusterer.add(article, key)
                done += 1
                if done % params.merge_every == 0:
                    clusterer.merge_pass()
            continue
        # Count this chunk in the workers while the previous one is filed here.
        job = pool.map_async(_count_chunk, _split([(a.title, a.text) for _, a in chunk], workers))
        if pending is not None:
            done = _file(clusterer, params, *pending, done)
        pending = (job, chunk)
    if pending is not None:
        done = _file(clusterer, params, *pending, done)
    wall = time.perf_counter() - start - generation
    cpu = time.process_time() - cpu_start
    if pool is not None:
        pool.close()
    return {
        "articles": size,
        "articles_per_second": round(size / wall, 1),
        "main_process_cpu_per_article_ms": round(1000 * cpu / size, 3),
        "generation_articles_per_second": round(size / generation, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "rss_before_mb": round(base_rss, 1),
        "active_stories_at_end": clusterer.active_count(),
    }


def _split(items: list, parts: int) -> list[list]:
    step = -(-len(items) // parts)
    return [items[i : i + step] for i in range(0, len(items), step)]


def _file(clusterer: StoryClusterer, params: ClusterParams, job, chunk, done: int) -> int:
    counts = [c for packed in job.get() for c in _unpack(packed)]
    for (key, article), c in zip(chunk, counts, strict=True):
        clusterer.add_counts(key, c, article.published)
        done += 1
        if done % params.merge_every == 0:
            clusterer.merge_pass()
    return done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument(
        "--per-day", type=int, default=2_000, help="articles a day in the synthetic stream"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="processes counting words beside the clustering one (0: none)",
    )
    parser.add_argument("--single", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.single:
        print(json.dumps(run_one(args.single, args.per_day, args.seed, args.workers)))
        return
    for size in (int(s) for s in args.sizes.split(",")):
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--single",
                str(size),
                "--per-day",
                str(args.per_day),
                "--seed",
                str(args.seed),
                "--workers",
                str(args.workers),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"{r['articles']:>9,} articles: {r['articles_per_second']:>8,.0f} articles/s "
            f"clustering ({r['main_process_cpu_per_article_ms']:.3f} ms CPU per article in "
            f"the clustering process), peak RSS {r['peak_rss_mb']:,.0f} MB (before clustering "
            f"{r['rss_before_mb']:,.0f} MB), {r['active_stories_at_end']:,} active stories "
            f"at the end; text generated at {r['generation_articles_per_second']:,.0f}/s",
            flush=True,
        )


if __name__ == "__main__":
    main()
