"""The classical NER tagger: an averaged perceptron over hand features, BIO tags out.

Trained on CoNLL-2003 by ``tools/train_ner.py``; weights (and the lower-case lexicon) in
``data/ner/tagger.npz``. ``quorum.enrich.entities`` runs it after the gazetteer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

import numpy as np

BOUNDARY = "<s>"


_SHAPE_TABLE = str.maketrans(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "X" * 26 + "x" * 26 + "d" * 10
)
_RUNS = re.compile(r"(.)\1+")
_DIGIT = re.compile(r"\d")


def word_shape(word: str) -> str:
    """ "Xxxx", "XX", "dd-d", ... with runs collapsed (so "NASA" and "ULA" share "X")."""
    # One translate instead of three regex passes: the tagger spends most of its time here.
    shape = word.translate(_SHAPE_TABLE)
    if not word.isascii():
        shape = _DIGIT.sub("d", shape)  # other scripts' digits, as \d matched before
    return _RUNS.sub(r"\1", shape)


def is_caps_sentence(words: Sequence[str]) -> bool:
    """Whether a sentence is an ALL-CAPS headline, where case says nothing about names."""
    alpha = [w for w in words if any(c.isalpha() for c in w)]
    # Three words at least: a two-word "NASA CEO" line is not a headline in capitals.
    return len(alpha) >= 3 and sum(w.isupper() for w in alpha) / len(alpha) > 0.8


def token_features(
    words: Sequence[str],
    i: int,
    caps: bool,
    shapes: Sequence[str] | None = None,
    lowercase: frozenset[str] | None = None,
) -> list[str]:
    """The static features of word ``i`` (everything except the previous tags);
    ``shapes`` are the words' ``word_shape``s when the caller has them already, and
    ``lowercase`` the words the training text wrote in lower case (a capital on one of
    those, "Police", says less than a capital on "Corwin")."""
    w = words[i]
    lw = w.lower()
    prev = words[i - 1] if i > 0 else BOUNDARY
    prev2 = words[i - 2] if i > 1 else BOUNDARY
    nxt = words[i + 1] if i + 1 < len(words) else BOUNDARY
    nxt2 = words[i + 2] if i + 2 < len(words) else BOUNDARY
    if shapes is None:
        shapes = [word_shape(x) for x in words]
    shape = shapes[i]
    prev_shape = shapes[i - 1] if i > 0 else word_shape(BOUNDARY)
    next_shape = shapes[i + 1] if i + 1 < len(words) else word_shape(BOUNDARY)
    feats = [
        "bias",
        "w=" + lw,
        "W=" + w,
        "sh=" + shape,
        "p3=" + lw[:3],
        "s2=" + lw[-2:],
        "s3=" + lw[-3:],
        "s4=" + lw[-4:],
        "w-1=" + prev.lower(),
        "w-2=" + prev2.lower(),
        "w+1=" + nxt.lower(),
        "w+2=" + nxt2.lower(),
        "sh-1=" + prev_shape,
        "sh+1=" + next_shape,
        "w-1w=" + prev.lower() + "|" + lw,
        "ww+1=" + lw + "|" + nxt.lower(),
        "shsh+1=" + shape + "|" + next_shape,
        "sh-1sh=" + prev_shape + "|" + shape,
    ]
    if i == 0:
        feats.append("first|sh=" + shape)
    if "-" in w:
        feats.append("hyphen")
    if caps:
        # In a capitals headline the shape is useless: let the word and context speak.
        feats.extend(("caps", "caps|w=" + lw, "caps|w-1=" + prev.lower()))
    if lowercase is not None and w[:1].isupper():
        seen = "lc" if lw in lowercase else "nolc"
        feats.extend(("cap|" + seen, ("first|" if i == 0 else "mid|") + seen))
        # Where the word sits in its run of capitalised words: "Rear Adm. John Kirby".
        left = right = 0
        while i - left > 0 and words[i - left - 1][:1].isupper():
            left += 1
        while i + right + 1 < len(words) and words[i + right + 1][:1].isupper():
            right += 1
        feats.append(f"run={min(left, 3)}|{min(right, 3)}|{seen}")
    return feats


def history_features(word: str, prev_tag: str, prev2_tag: str) -> list[str]:
    """The features that depend on the tags already chosen to the left."""
    return [
        "t-1=" + prev_tag,
        "t-2t-1=" + prev2_tag + "|" + prev_tag,
        "t-1w=" + prev_tag + "|" + word.lower(),
    ]


def fix_bio(tags: list[str]) -> list[str]:
    """Turn an I-X that does not continue an X into B-X (conlleval reads it that way too)."""
    fixed = []
    for i, tag in enumerate(tags):
        if tag.startswith("I-") and (i == 0 or fixed[-1][2:] != tag[2:]):
            tag = "B-" + tag[2:]
        fixed.append(tag)
    return fixed


class PerceptronTagger:
    """Greedy left-to-right averaged perceptron over hand features, BIO tags out."""

    def __init__(
        self,
        features: Sequence[str],
        weights: np.ndarray,
        classes: Sequence[str],
        lowercase: frozenset[str] | None = None,
    ):
        self.index = {f: n for n, f in enumerate(features)}
        self.weights = weights.astype(np.float32)
        self.classes = list(classes)
        self.lowercase = lowercase  # None for weights trained without the lexicon

    @classmethod
    def load(cls, path: Path | None = None) -> PerceptronTagger:
        """Read weights written by ``tools/train_ner.py`` (features, matrix, classes)."""
        if path is None:
            ref = resources.files("quorum") / "data" / "ner" / "tagger.npz"
            with resources.as_file(ref) as real:
                return cls._read(Path(real))
        return cls._read(Path(path))

    @classmethod
    def _read(cls, path: Path) -> PerceptronTagger:
        if not path.is_file():
            raise FileNotFoundError(f"tagger weights not found: {path}")
        with np.load(path, allow_pickle=False) as data:
            features = bytes(data["features"]).decode("utf-8").split("\n")
            classes = bytes(data["classes"]).decode("utf-8").split("\n")
            lowercase = None
            if "lowercase" in data.files:
                lowercase = frozenset(bytes(data["lowercase"]).decode("utf-8").split("\n"))
            return cls(features, data["weights"], classes, lowercase)

    def tag(self, words: Sequence[str]) -> list[str]:
        """BIO tags (PER/ORG/LOC/MISC) for one sentence of words."""
        caps = is_caps_sentence(words)
        shapes = [word_shape(w) for w in words]
        tags: list[str] = []
        prev, prev2 = BOUNDARY, BOUNDARY
        for i, word in enumerate(words):
            feats = token_features(words, i, caps, shapes, self.lowercase)
            feats += history_features(word, prev, prev2)
            rows = [self.index[f] for f in feats if f in self.index]
            scores = self.weights[rows].sum(axis=0) if rows else np.zeros(len(self.classes))
            tag = self.classes[int(np.argmax(scores))]
            tags.append(tag)
            prev2, prev = prev, tag
        return fix_bio(tags)
