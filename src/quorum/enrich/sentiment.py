"""Five-tier sentiment for sentences, articles and stories, with the sentences that drove it.

Two sentence models (the ``sentiment_model`` setting):

- ``minilm``: all-MiniLM-L6-v2 fine-tuned on NewsMTSC (sentence paired with its
  target when one is named), exported to int8 ONNX and run by onnxruntime:
  ``data/sentiment/minilm/`` (``model.onnx``, ``tokenizer.json``, ``tiers.json``), rebuilt
  by ``tools/train_sentiment_minilm.py``. Its P(negative), P(neutral), P(positive) are used
  as they are (no lexicon blend).
- ``classic`` (default, and the fallback when onnxruntime or the model file is missing): TF-IDF word
  (1-2)-grams and character (2-5)-grams plus four lexicon scores (VADER +
  ``data/sentiment/news_lexicon.tsv``) into a multinomial logistic regression trained on
  NewsMTSC (the target replaced by the placeholder ``qtarget``), blended with the
  lexicon's probabilities: (1 - w) * P_model + w * P_lexicon, where P_lexicon =
  (max(-c, 0), 1 - |c|, max(c, 0)) for VADER's compound c. Weights:
  ``data/sentiment/model.npz``, rebuilt by ``tools/train_sentiment.py``.

Polarity = P(pos) - P(neg), in [-1, 1]. The sentence's side is the largest probability
after adding ``neutral_bias`` to P(neutral); a polar sentence is "very" when |polarity| >=
``strong``. Aggregates (articles, stories) have only a polarity: they are cut at
+/-``aggregate_neutral`` and +/-``strong``. The numbers live in each model's ``tiers.json``;
``TIERS.md`` says how they were set.
"""

from __future__ import annotations

import heapq
import json
import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from vaderSentiment.vaderSentiment import BOOSTER_DICT, SentimentIntensityAnalyzer, SentiText

from quorum.records import Evidence, Score, Span
from quorum.text import sentence_spans

log = logging.getLogger(__name__)

SENTIMENT_MODELS = ("minilm", "classic")
DEFAULT_MODEL = "classic"  # see the sentiment_model setting for why
TIERS = ("very_negative", "negative", "neutral", "positive", "very_positive")
CLASSES = ("negative", "neutral", "positive")
TARGET_PLACEHOLDER = "qtarget"
_TOKEN = re.compile(r"(?u)\b\w\w+\b")

# The analyzers are rebuilt from these parameters at load time; only the vocabularies and
# IDF weights are stored, so the model file holds numbers and strings, never pickles.
WORD_PARAMS: dict[str, Any] = {
    "analyzer": "word",
    "ngram_range": (1, 2),
    "lowercase": True,
    "token_pattern": _TOKEN.pattern,
    "sublinear_tf": True,
}
CHAR_PARAMS: dict[str, Any] = {
    "analyzer": "char_wb",
    "ngram_range": (2, 5),
    "lowercase": True,
    "sublinear_tf": True,
}


def polarity_tier(polarity: float, neutral: float, strong: float) -> str:
    """The tier of a polarity: neutral within +/-``neutral`` (inclusive, as SemEval's
    +/-10), "very" from +/-``strong`` on (inclusive, as SemEval's -50)."""
    if polarity <= -strong:
        return "very_negative"
    if polarity < -neutral:
        return "negative"
    if polarity <= neutral:
        return "neutral"
    if polarity < strong:
        return "positive"
    return "very_positive"


@dataclass(frozen=True, slots=True)
class TierCuts:
    """How probabilities and polarities become tiers (see ``data/sentiment/TIERS.md``)."""

    neutral_bias: float  # added to P(neutral) before picking the side
    strong: float  # |polarity| from which a polar sentence is "very"
    vader_weight: float  # share of the lexicon in the blended probabilities
    aggregate_neutral: float = 0.1  # neutral band of article and story polarity
    # |polarity| from which an article or story is "very"; None: ``strong``. Aggregates
    # average many mostly neutral sentences, so their cut is set on judged stories.
    aggregate_strong: float | None = None

    def blend(self, model: np.ndarray, compound: float) -> np.ndarray:
        """Blend model probabilities with the lexicon's (both ordered as CLASSES)."""
        lexicon = np.array([max(-compound, 0.0), 1.0 - abs(compound), max(compound, 0.0)])
        return (1.0 - self.vader_weight) * np.asarray(model) + self.vader_weight * lexicon

    def sentence_tier(self, blended: np.ndarray) -> str:
        side = CLASSES[int(np.argmax(blended + np.array([0.0, self.neutral_bias, 0.0])))]
        if side == "neutral":
            return "neutral"
        polarity = float(blended[2] - blended[0])
        return f"very_{side}" if abs(polarity) >= self.strong else side

    def aggregate_tier(self, polarity: float) -> str:
        strong = self.strong if self.aggregate_strong is None else self.aggregate_strong
        return polarity_tier(polarity, self.aggregate_neutral, strong)


def coarse(tier: str) -> str:
    """The three-class label of a tier (very_* fold into their side)."""
    return tier.removeprefix("very_")


@dataclass(frozen=True, slots=True)
class SentenceSentiment:
    """One sentence's polarity in [-1, 1], its tier, class probabilities and key words."""

    polarity: float
    tier: str
    probabilities: dict[str, float] = field(default_factory=dict)  # blended, see module doc
    words: tuple[tuple[str, float], ...] = ()  # (n-gram, signed contribution), strongest first


def mark_target(
    sentence: str, target: str | None, start: int | None = None, end: int | None = None
) -> str:
    """Replace the target mention by the placeholder the model was trained with."""
    if not target:
        return sentence
    if start is None or end is None or sentence[start:end] != target:
        found = sentence.lower().find(target.lower())
        if found < 0:
            return sentence
        start, end = found, found + len(target)
    return f"{sentence[:start]} {TARGET_PLACEHOLDER} {sentence[end:]}"


def load_news_lexicon(path: Path | None = None) -> dict[str, float]:
    """News-event words VADER lacks (``data/sentiment/news_lexicon.tsv``), word -> valence."""
    if path is None:
        text = (resources.files("quorum") / "data" / "sentiment" / "news_lexicon.tsv").read_text(
            encoding="utf-8"
        )
    else:
        text = Path(path).read_text(encoding="utf-8")
    lexicon: dict[str, float] = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        word, _, value = line.partition("\t")
        try:
            lexicon[word.strip().lower()] = float(value)
        except ValueError as exc:
            raise ValueError(f"news lexicon: bad line {line!r}") from exc
    return lexicon


class LinearVader(SentimentIntensityAnalyzer):
    """VADER with the same scores in time linear in the text's length.

    vaderSentiment 3.3.2 lower-cases the whole word list again for every lexicon word
    (``_negation_check``, ``_special_idioms_check``), looks each score up by value in
    ``_but_check`` and builds the emoji-free text one ``+=`` at a time: a 16k-word
    "sentence" took 5.5 s. The checks only read the three words before and two after the
    current one, so they are handed that window; ``_but_check`` keeps its exact
    (first-equal-value) behaviour through per-value heaps. Scores are VADER's, unchanged.
    """

    def polarity_scores(self, text):
        # VADER's own, but for the emoji pass: it grew a string by ``+=`` per character,
        # quadratic on long texts (a 700 kB title took 20 s); here the pieces are joined once.
        pieces, prev_space = [], True
        for ch in text:
            if ch in self.emojis:
                if not prev_space:
                    pieces.append(" ")
                pieces.append(self.emojis[ch])
                prev_space = False
            else:
                pieces.append(ch)
                prev_space = ch == " "
        text = "".join(pieces).strip()
        sentitext = SentiText(text)
        sentiments: list[float] = []
        words = sentitext.words_and_emoticons
        for i, item in enumerate(words):
            lowered = item.lower()
            if lowered in BOOSTER_DICT or (
                i < len(words) - 1 and lowered == "kind" and words[i + 1].lower() == "of"
            ):
                sentiments.append(0)
                continue
            sentiments = self.sentiment_valence(0, sentitext, item, i, sentiments)
        sentiments = self._but_check(words, sentiments)
        return self.score_valence(sentiments, text)

    def _negation_check(self, valence, words_and_emoticons, start_i, i):
        lo = max(0, i - 3)
        window = words_and_emoticons[lo : i + 1]
        return SentimentIntensityAnalyzer._negation_check(valence, window, start_i, i - lo)

    def _special_idioms_check(self, valence, words_and_emoticons, i):
        lo = max(0, i - 3)  # called only for i >= 3, so no index below goes negative
        window = words_and_emoticons[lo : i + 3]
        return SentimentIntensityAnalyzer._special_idioms_check(valence, window, i - lo)

    @staticmethod
    def _but_check(words_and_emoticons, sentiments):
        lowered = [str(w).lower() for w in words_and_emoticons]
        if "but" not in lowered:
            return sentiments
        bi = lowered.index("but")
        # VADER rescales, for each position k, the *first* score equal to sentiments[k]
        # (list.index); a heap of positions per value finds that one in log time.
        positions: dict[float, list[int]] = {}
        for k in range(len(sentiments)):
            value = sentiments[k]
            heapq.heappush(positions.setdefault(value, []), k)
            heap = positions[value]
            while sentiments[heap[0]] != value:  # stale: that position was rescaled
                heapq.heappop(heap)
            si = heap[0]
            if si == bi:
                continue
            heapq.heappop(heap)
            sentiments[si] = value * (0.5 if si < bi else 1.5)
            heapq.heappush(positions.setdefault(sentiments[si], []), si)
        return sentiments


def news_vader(extra: dict[str, float] | None = None) -> SentimentIntensityAnalyzer:
    """VADER with the news lexicon added (to this instance only)."""
    analyzer = LinearVader()
    analyzer.lexicon.update(load_news_lexicon() if extra is None else extra)
    return analyzer


class Featurizer:
    """TF-IDF word and character n-grams plus VADER scores, from a stored vocabulary."""

    def __init__(
        self,
        word_vocab: Sequence[str],
        word_idf: np.ndarray,
        char_vocab: Sequence[str],
        char_idf: np.ndarray,
        analyzer: SentimentIntensityAnalyzer | None = None,
    ) -> None:
        self.word_index = {t: i for i, t in enumerate(word_vocab)}
        self.char_index = {t: i for i, t in enumerate(char_vocab)}
        self.word_vocab = list(word_vocab)
        self.word_idf = np.asarray(word_idf, dtype=np.float64)
        self.char_idf = np.asarray(char_idf, dtype=np.float64)
        self._word = TfidfVectorizer(**WORD_PARAMS).build_analyzer()
        self._char = TfidfVectorizer(**CHAR_PARAMS).build_analyzer()
        self._vader = analyzer or news_vader()

    @property
    def lexicon(self) -> dict[str, float]:
        """Word -> valence (-4..4) of the lexicon in use (VADER's plus the news words)."""
        return self._vader.lexicon

    def vader(self, text: str) -> dict[str, float]:
        return self._vader.polarity_scores(text)

    def transform(self, text: str) -> Features:
        """Sparse features of one text (the same scheme as sklearn's TfidfVectorizer)."""
        w_idx, w_val = _tfidf(self._word(text), self.word_index, self.word_idf)
        c_idx, c_val = _tfidf(self._char(text), self.char_index, self.char_idf)
        v = self.vader(text.replace(TARGET_PLACEHOLDER, " "))
        base = len(self.word_index) + len(self.char_index)
        return Features(
            indices=np.concatenate(
                [w_idx, c_idx + len(self.word_index), np.arange(base, base + 4)]
            ),
            values=np.concatenate([w_val, c_val, [v["compound"], v["pos"], v["neg"], v["neu"]]]),
            compound=v["compound"],
        )


@dataclass(frozen=True, slots=True)
class Features:
    """Non-zero features of one text: column indices, values, and VADER's compound."""

    indices: np.ndarray
    values: np.ndarray
    compound: float


def _tfidf(grams: list[str], index: dict[str, int], idf: np.ndarray):
    counts: dict[int, int] = {}
    for g in grams:
        k = index.get(g)
        if k is not None:
            counts[k] = counts.get(k, 0) + 1
    idx = np.fromiter(counts, dtype=np.int64, count=len(counts))
    val = np.array([(1.0 + math.log(n)) * idf[k] for k, n in counts.items()])
    norm = float(np.linalg.norm(val)) if len(val) else 0.0
    return idx, (val / norm if norm else val)


def _read_lines(array: np.ndarray) -> list[str]:
    return bytes(array).decode("utf-8").split("\n")


class OnnxSentenceModel:
    """The fine-tuned MiniLM classifier (``data/sentiment/minilm/``) run by onnxruntime.

    Input is the sentence, paired with its target when one is named ("[CLS] sentence [SEP]
    target [SEP]", as trained); output P(negative), P(neutral), P(positive). Sentences are
    batched by length so padding stays short. ``tools/train_sentiment_minilm.py`` builds it.
    """

    def __init__(
        self, model_path: Path, tokenizer_path: Path, threads: int = 0, max_tokens: int = 128
    ) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        options = onnxruntime.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        options.log_severity_level = 3
        self.session = onnxruntime.InferenceSession(
            str(model_path), options, providers=["CPUExecutionProvider"]
        )
        self.tokenizer = Tokenizer.from_file(str(tokenizer_path))
        self.tokenizer.enable_truncation(max_tokens)
        self.tokenizer.no_padding()

    def probabilities(
        self, sentences: Sequence[str], targets: Sequence[str | None] | None = None, batch: int = 32
    ) -> np.ndarray:
        """Class probabilities (rows ordered as given, columns as CLASSES)."""
        if targets is None:
            targets = [None] * len(sentences)
        inputs = [(s, t) if t else s for s, t in zip(sentences, targets, strict=True)]
        encoded = self.tokenizer.encode_batch(inputs) if inputs else []
        out = np.zeros((len(encoded), len(CLASSES)))
        order = sorted(range(len(encoded)), key=lambda i: len(encoded[i].ids))
        for k in range(0, len(order), batch):
            chunk = order[k : k + batch]
            width = max(len(encoded[i].ids) for i in chunk)
            ids = np.zeros((len(chunk), width), dtype=np.int64)
            mask, types = np.zeros_like(ids), np.zeros_like(ids)
            for row, i in enumerate(chunk):
                e = encoded[i]
                ids[row, : len(e.ids)] = e.ids
                mask[row, : len(e.ids)] = e.attention_mask
                types[row, : len(e.ids)] = e.type_ids
            (logits,) = self.session.run(
                None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
            )
            p = np.exp(logits - logits.max(axis=1, keepdims=True))
            out[chunk] = p / p.sum(axis=1, keepdims=True)
        return out


def _read_cuts(ref: Any) -> TierCuts:
    raw = json.loads(ref.read_text(encoding="utf-8"))
    return TierCuts(
        raw["neutral_bias"],
        raw["strong"],
        raw["vader_weight"],
        raw["aggregate_neutral"],
        raw.get("aggregate_strong"),
    )


def unmark_target(text: str, target: str | None) -> str:
    """Undo ``mark_target`` (the MiniLM model reads the target by name)."""
    marker = f" {TARGET_PLACEHOLDER} "
    if target and marker in text:
        return text.replace(marker, target, 1)
    return text


def minilm_available(folder: Path | None = None) -> bool:
    """Whether the MiniLM path can run: its files are present and onnxruntime imports."""
    ref = Path(folder) if folder else resources.files("quorum") / "data" / "sentiment"
    if not (ref / "minilm" / "model.onnx").is_file():
        return False
    try:
        import onnxruntime  # noqa: F401
        import tokenizers  # noqa: F401
    except ImportError:
        return False
    return True


class SentimentScorer:
    """Scores sentences, articles and stories on the five-tier scale.

    Two sentence models, chosen by the ``sentiment_model`` setting: ``minilm`` (the
    fine-tuned MiniLM in ``data/sentiment/minilm/``, run by onnxruntime) or ``classic``
    (the linear model + lexicon). ``minilm`` falls back to ``classic``, with a warning,
    when onnxruntime or the model file is missing.
    """

    def __init__(
        self,
        featurizer: Featurizer | None,
        coef: np.ndarray | None,
        intercept: np.ndarray | None,
        cuts: TierCuts,
        evidence_count: int = 3,
        neural: OnnxSentenceModel | None = None,
    ) -> None:
        self.featurizer = featurizer
        self.evidence_count = evidence_count
        self.coef = None if coef is None else np.asarray(coef, dtype=np.float64)  # rows: CLASSES
        self.intercept = None if intercept is None else np.asarray(intercept, dtype=np.float64)
        self.cuts = cuts
        self.neural = neural
        self.model_name = "minilm" if neural is not None else "classic"

    @classmethod
    def load(
        cls,
        folder: Path | None = None,
        cuts: TierCuts | None = None,
        config: Any = None,
        model: str | None = None,
    ) -> SentimentScorer:
        """The model ``model`` (else the ``sentiment_model`` setting) names, from the shipped
        data or ``folder`` (``model.npz`` + ``tiers.json``, ``minilm/`` for MiniLM)."""
        wanted = model or getattr(config, "sentiment_model", None) or DEFAULT_MODEL
        if wanted not in SENTIMENT_MODELS:
            raise ValueError(
                f"sentiment_model must be one of {', '.join(SENTIMENT_MODELS)}, got {wanted!r}"
            )
        base = Path(folder) if folder else None
        ref = base if base else resources.files("quorum") / "data" / "sentiment"
        evidence_count = int(getattr(config, "sentiment_evidence_sentences", 3))
        if wanted == "minilm":
            if minilm_available(base):
                with (
                    resources.as_file(ref / "minilm" / "model.onnx") as onnx_path,
                    resources.as_file(ref / "minilm" / "tokenizer.json") as tok_path,
                ):
                    neural = OnnxSentenceModel(onnx_path, tok_path)
                cuts = cuts or _read_cuts(ref / "minilm" / "tiers.json")
                return cls(None, None, None, cuts, evidence_count, neural)
            log.warning(
                "sentiment_model = minilm, but onnxruntime/tokenizers or the model file is "
                "missing: using the classic model"
            )
        model_ref, tiers_ref = ref / "model.npz", ref / "tiers.json"
        if not model_ref.is_file():
            raise FileNotFoundError(f"sentiment model not found: {model_ref}")
        with resources.as_file(model_ref) as path, np.load(path, allow_pickle=False) as data:
            featurizer = Featurizer(
                _read_lines(data["word_vocab"]),
                data["word_idf"],
                _read_lines(data["char_vocab"]),
                data["char_idf"],
            )
            coef, intercept = data["coef"], data["intercept"]
        return cls(featurizer, coef, intercept, cuts or _read_cuts(tiers_ref), evidence_count)

    def probabilities(self, prepared: str) -> tuple[np.ndarray, Features]:
        """Classic model: class probabilities and the features of a target-marked text."""
        if self.featurizer is None:
            raise RuntimeError("the MiniLM scorer has no classic features")
        x = self.featurizer.transform(prepared)
        logits = self.coef[:, x.indices] @ x.values + self.intercept
        p = np.exp(logits - logits.max())
        return p / p.sum(), x

    def score_sentence(self, text: str, target: str | None = None) -> SentenceSentiment:
        """Sentiment of one sentence, towards ``target`` when one is named (the text may
        already carry ``mark_target``'s placeholder)."""
        return self.score_sentences([text], [target])[0]

    def score_sentences(
        self, texts: Sequence[str], targets: Sequence[str | None] | None = None
    ) -> list[SentenceSentiment]:
        """``score_sentence`` for many sentences at once (MiniLM batches them)."""
        targets = list(targets) if targets is not None else [None] * len(texts)
        out: list[SentenceSentiment | None] = [None] * len(texts)
        live = [i for i, t in enumerate(texts) if t and t.strip()]
        for i in set(range(len(texts))) - set(live):
            out[i] = SentenceSentiment(0.0, "neutral", dict.fromkeys(CLASSES, 1 / 3))
        if self.neural is not None:
            plain = [unmark_target(texts[i], targets[i]) for i in live]
            probs = self.neural.probabilities(plain, [targets[i] for i in live])
            for i, p in zip(live, probs, strict=True):
                out[i] = self._from_probabilities(p, ())
            return out  # type: ignore[return-value]
        for i in live:
            text, target = texts[i], targets[i]
            prepared = text if TARGET_PLACEHOLDER in text else mark_target(text, target)
            p, x = self.probabilities(prepared)
            blended = self.cuts.blend(p, x.compound)
            polarity = float(np.clip(blended[2] - blended[0], -1.0, 1.0))
            out[i] = self._from_probabilities(blended, self._key_words(text, x, polarity))
        return out  # type: ignore[return-value]

    def _from_probabilities(self, p: np.ndarray, words: tuple) -> SentenceSentiment:
        polarity = float(np.clip(p[2] - p[0], -1.0, 1.0))
        return SentenceSentiment(
            polarity=round(polarity, 4),
            tier=self.cuts.sentence_tier(p),
            probabilities={c: round(float(v), 4) for c, v in zip(CLASSES, p, strict=True)},
            words=words,
        )

    def _key_words(self, text: str, x: Features, polarity: float, top: int = 3) -> tuple:
        """Words pushing the sentence the way it went, strongest first.

        Two sources, each scaled by its share of the blend: the model's word n-grams
        (TF-IDF value times the positive-minus-negative coefficient) and lexicon words
        (valence / 4, VADER's scale). Character n-grams are left out: they explain nothing.
        """
        n = len(self.featurizer.word_vocab)
        words = x.indices < n
        idx, val = x.indices[words], x.values[words]
        model_part = val * (self.coef[2, idx] - self.coef[0, idx])
        share = self.cuts.vader_weight
        found: dict[str, float] = {}
        for k, value in zip(idx, model_part, strict=True):
            found[self.featurizer.word_vocab[k]] = (1 - share) * float(value)
        lexicon = self.featurizer.lexicon
        for token in _TOKEN.findall(text.lower()):
            if token in lexicon:
                found[token] = found.get(token, 0.0) + share * lexicon[token] / 4.0
        sign = 1.0 if polarity >= 0 else -1.0
        ranked = sorted(found.items(), key=lambda item: -sign * item[1])[:top]
        return tuple((w, round(v, 4)) for w, v in ranked if sign * v > 0)

    def score_article(self, title: str, text: str, article_id: int | str = "") -> Score:
        """Article sentiment: mean sentence polarity, the headline counting twice.

        The headline sets the tone a reader takes away, hence its double weight; the
        evidence is the sentences that pull hardest the article's way.
        """
        texts: list[str] = []
        spans: list[Span | None] = []
        weights: list[float] = []
        if title and title.strip():
            texts.append(title)
            spans.append(None)
            weights.append(2.0)
        for start, end in sentence_spans(text or ""):
            sentence = text[start:end]
            texts.append(sentence)
            spans.append(Span(article_id, start, end, sentence))
            weights.append(1.0)
        if not texts:
            return Score("sentiment", 0.0, "neutral", ())
        scored = list(zip(self.score_sentences(texts), spans, strict=True))
        polarity = float(np.average([s.polarity for s, _ in scored], weights=weights))
        sign = 1.0 if polarity >= 0 else -1.0
        ranked = sorted(scored, key=lambda item: -sign * item[0].polarity)
        ranked = ranked[: self.evidence_count]
        evidence = tuple(
            Evidence(
                factor="headline" if span is None else "sentence",
                weight=s.polarity,
                rule=s.tier + ("; words: " + ", ".join(w for w, _ in s.words) if s.words else ""),
                span=span,
            )
            for s, span in ranked
            if s.polarity * sign > 0
        )
        return Score("sentiment", round(polarity, 4), self.cuts.aggregate_tier(polarity), evidence)

    def score_story(self, article_scores: Sequence[Score]) -> Score:
        """Story sentiment: the mean of its articles', with their strongest evidence."""
        values = [s.value for s in article_scores if s.name == "sentiment"]
        if not values:
            return Score("sentiment", 0.0, "neutral", ())
        polarity = float(np.mean(values))
        sign = 1.0 if polarity >= 0 else -1.0
        pool = [e for s in article_scores for e in s.evidence]
        pool.sort(key=lambda e: -sign * e.weight)
        evidence = tuple(e for e in pool[: self.evidence_count] if e.weight * sign > 0)
        return Score("sentiment", round(polarity, 4), self.cuts.aggregate_tier(polarity), evidence)
