"""Clustering throughput and peak memory on a synthetic article stream.

    python benchmarks/bench_clustering.py --sizes 10000,100000,1000000

Each size runs in a fresh subprocess (so peak memory is that run's own) over a stream of
synthetic articles: a Zipfian background vocabulary, stories with their own topic words
and capitalised names, story sizes from a heavy-tailed distribution, 300-600 words per
article, dates advancing at ``--per-day`` articles a day. Text is generated in numpy
outside the timed section ("pre-extracted text"); the timed part is counting and weighing
the words (in a second process with ``--workers 1``, the default) and
``StoryClusterer.add_vectors`` plus a merge pass every ``merge_every`` articles. The
clusterer forgets expired stories (``keep_expired_members=False``), as a long-running
pipeline that stores assignments in its database would. Cost per article should stay flat
and memory should stop growing once the active window (``expire_days`` of articles) is
full.
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
from quorum.assemble.vectorize import ArticleVectors, SparseVector, Vectorizer, VectorParams
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


_WORKER_VECTORIZER: Vectorizer | None = None  # the worker process's own, made by _init


def _init_worker(params: VectorParams) -> None:
    global _WORKER_VECTORIZER
    _WORKER_VECTORIZER = Vectorizer(params)


_Packed = tuple[np.ndarray, ...]


def _weigh_chunk(texts: list[tuple[str, str]]) -> _Packed:
    """Count and weigh a chunk, in arrival order, and pack the vectors into six flat
    arrays (one pickled array is far cheaper to send between processes than many small)."""
    vectorizer = _WORKER_VECTORIZER
    assert vectorizer is not None
    weighed = [vectorizer.admit(vectorizer.count(title, text)) for title, text in texts]
    packed: list[np.ndarray] = []
    for part in ("terms", "entities"):
        vectors = [getattr(v, part) for v in weighed]
        packed.append(np.concatenate([v.idx for v in vectors]))
        packed.append(np.concatenate([v.val for v in vectors]))
        packed.append(np.cumsum([0] + [len(v) for v in vectors]))
    return tuple(packed)


def _unpack(packed: _Packed) -> list[ArticleVectors]:
    """The vectors of ``_weigh_chunk``, as views into its arrays."""
    t_idx, t_val, t_ends, e_idx, e_val, e_ends = packed
    t, e = t_ends.tolist(), e_ends.tolist()
    return [
        ArticleVectors(
            SparseVector(t_idx[t[i] : t[i + 1]], t_val[t[i] : t[i + 1]]),
            SparseVector(e_idx[e[i] : e[i + 1]], e_val[e[i] : e[i + 1]]),
        )
        for i in range(len(t) - 1)
    ]


def run_one(size: int, per_day: int, seed: int, workers: int) -> dict:
    """Cluster ``size`` synthetic articles; return throughput and peak memory.

    With ``workers`` 1, counting and weighing (half the per-article cost; they depend only
    on the articles before, not on the stories) run as a stage in a second process, ahead
    of this one, which files the vectors with ``StoryClusterer.add_vectors`` in arrival
    order; the stories are the same as with ``StoryClusterer.add``.
    """
    params = ClusterParams(keep_expired_members=False)
    stream = _Stream.create(seed, per_day)
    chunks = stream.articles(size)
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    clusterer = StoryClusterer(params)
    generation = 0.0
    done = 0
    # One worker: it must see the articles in arrival order, for the document frequencies.
    pool = (
        multiprocessing.get_context("fork").Pool(1, _init_worker, (params.vectors,))
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
        # Weigh this chunk in the worker while the previous one is filed here.
        job = pool.apply_async(_weigh_chunk, ([(a.title, a.text) for _, a in chunk],))
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


def _file(clusterer: StoryClusterer, params: ClusterParams, job, chunk, done: int) -> int:
    for (key, article), vectors in zip(chunk, _unpack(job.get()), strict=True):
        clusterer.add_vectors(key, vectors, article.published)
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
        choices=(0, 1),
        default=1,
        help="1: count and weigh words in a second process, ahead of the clustering one",
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
