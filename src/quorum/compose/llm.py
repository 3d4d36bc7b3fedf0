"""Optional generative summary, kept only where the sources support it.

Off by default (``llm_base_url = ""``). When on, the story's best source sentences go to an
OpenAI-compatible ``/v1/chat/completions`` endpoint with the instruction to use nothing
else. The answer is then checked sentence by sentence against the story's sentences:

1. find the one or two source sentences that cover most of its content words;
2. every number in it must appear in those sentences, and every capitalised name too;
3. the share of its content words found there must reach ``min_support``.

Sentences failing a check are dropped and counted, with the reason. Each kept sentence
carries the spans it rests on. Any failure of the endpoint (network, timeout, HTTP error,
malformed JSON) falls back to the extractive takeaways, with the reason logged: the page
never depends on the model being up.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from quorum.compose import Cited, SourceArticle
from quorum.compose.takeaways import content_stems, prepare, rank_candidates, select
from quorum.records import Span
from quorum.text import sentence_spans

log = logging.getLogger(__name__)

_NUMBER = re.compile(r"\d(?:[\d,.]*\d)?")
_WORD = re.compile(r"[A-Za-z0-9][\w'’-]*")
_MARKERS = re.compile(r"\s*\[\d+(?:\s*[,–-]\s*\d+)*\]")
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+", re.MULTILINE)

SYSTEM_PROMPT = (
    "You write short news summaries for an editorial desk. Use only facts stated in the "
    "numbered source sentences. Do not add any number, date, name or claim that is not in "
    "them. Write {k} plain sentences of prose: no list, no headings, no preamble."
)


class LLMError(RuntimeError):
    """The endpoint could not give a usable answer; the message says why."""


@dataclass(frozen=True)
class GeneratedSentence:
    """A summary sentence with the source spans it rests on.

    ``generated`` is False for a fallback sentence copied from a source (then its only
    support is its own span).
    """

    text: str
    supports: tuple[Span, ...]
    similarity: float
    generated: bool = True


@dataclass(frozen=True)
class DroppedSentence:
    text: str
    reason: str


@dataclass(frozen=True)
class SupportCheck:
    supported: bool
    supports: tuple[Cited, ...]
    similarity: float
    reason: str = ""


@dataclass(frozen=True)
class WrittenSummary:
    """What the writer produced: kept sentences, dropped ones, and whether it fell back."""

    sentences: list[GeneratedSentence]
    dropped: list[DroppedSentence] = field(default_factory=list)
    used_llm: bool = False
    fallback_reason: str | None = None


# --- support checking -------------------------------------------------------------------------


def content_words(text: str) -> set[str]:
    return set(content_stems(text))


def numbers_in(text: str) -> set[str]:
    """Numbers written in ``text``, without thousands separators ("1,200" -> "1200")."""
    return {m.group(0).replace(",", "").rstrip(".") for m in _NUMBER.finditer(text)}


def names_in(text: str) -> set[str]:
    """Capitalised words after the first: the names a sentence asserts (case-folded)."""
    words = _WORD.findall(text)
    return {
        re.sub(r"['’]s$", "", w).casefold()
        for w in words[1:]
        if w[:1].isupper() and w.lower() not in ENGLISH_STOP_WORDS
    }


def check_support(sentence: str, pool: Sequence[Cited], min_support: float) -> SupportCheck:
    """Whether ``sentence`` is stated by one or two sentences of ``pool`` (see module doc)."""
    words = content_words(sentence)
    if not words:
        return SupportCheck(False, (), 0.0, "no content words")
    if not pool:
        return SupportCheck(False, (), 0.0, "no source sentences")
    pool_words = [words & content_words(c.text) for c in pool]
    first = max(range(len(pool)), key=lambda i: (len(pool_words[i]), -i))
    supports = [pool[first]]
    covered = set(pool_words[first])
    # A generated sentence may fuse two source sentences: take the one adding the most
    # content words the first lacks, if any.
    second = max(range(len(pool)), key=lambda i: (len(pool_words[i] - covered), -i))
    if pool_words[second] - covered:
        supports.append(pool[second])
        covered |= pool_words[second]
    similarity = len(covered) / len(words)
    support_text = " ".join(s.text for s in supports)
    missing_numbers = numbers_in(sentence) - numbers_in(support_text)
    if missing_numbers:
        return SupportCheck(
            False,
            tuple(supports),
            similarity,
            f"number not in sources: {', '.join(sorted(missing_numbers))}",
        )
    folded = support_text.casefold()
    missing_names = {n for n in names_in(sentence) if n not in folded}
    if missing_names:
        return SupportCheck(
            False,
            tuple(supports),
            similarity,
            f"name not in sources: {', '.join(sorted(missing_names))}",
        )
    if similarity < min_support:
        return SupportCheck(
            False, tuple(supports), similarity, f"support {similarity:.2f} below {min_support:.2f}"
        )
    return SupportCheck(True, tuple(supports), similarity)


def split_answer(answer: str) -> list[str]:
    """The answer's sentences, without list bullets and [n] citation markers."""
    text = _MARKERS.sub("", _BULLET.sub("", answer)).strip()
    return [text[s:e].strip() for s, e in sentence_spans(text) if text[s:e].strip()]


# --- the writer -------------------------------------------------------------------------------


def extractive_fallback(articles: Sequence[SourceArticle], k: int) -> list[GeneratedSentence]:
    """The key takeaways as summary sentences, each supported by its own span."""
    return [
        GeneratedSentence(c.text, (c.as_span(),), 1.0, generated=False)
        for c in select(prepare(articles), k=k)
    ]


class LLMWriter:
    """Writes a short summary with an OpenAI-compatible chat endpoint, then checks it.

    ``min_support`` 0.7: share of a sentence's content words that its supporting source
    sentences must contain. A faithful paraphrase keeps most content words; a sentence that
    adds a claim of its own brings words no source has (see tests/test_llm_writer.py).
    """

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str | None = None,
        timeout: float = 20.0,
        min_support: float = 0.7,
        source_sentences: int = 15,
    ) -> None:
        if not base_url:
            raise ValueError("LLMWriter needs a base_url")
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.api_key = api_key
        self.timeout = timeout
        self.min_support = min_support
        # 15 sentences: enough for a 3-5 sentence summary, small enough for any context.
        self.source_sentences = source_sentences

    @classmethod
    def from_config(cls, config: Any) -> LLMWriter | None:
        """A writer from settings, or None when ``llm_base_url`` is empty (the default)."""
        if not config.llm_base_url:
            return None
        key = os.environ.get(config.llm_api_key_env) if config.llm_api_key_env else None
        return cls(
            config.llm_base_url,
            config.llm_model,
            key,
            float(config.llm_timeout),
            float(config.llm_min_support),
        )

    @property
    def endpoint(self) -> str:
        if self.base_url.endswith("/v1"):
            return f"{self.base_url}/chat/completions"
        return f"{self.base_url}/v1/chat/completions"

    def complete(self, messages: list[dict[str, str]]) -> str:
        """The assistant's text for ``messages``; LLMError on any failure."""
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        payload = {"model": self.model, "messages": messages, "temperature": 0}
        try:
            with httpx.Client(timeout=self.timeout) as client:
                response = client.post(self.endpoint, json=payload, headers=headers)
        except httpx.TimeoutException as exc:
            raise LLMError(f"timeout after {self.timeout:g}s") from exc
        except httpx.HTTPError as exc:
            raise LLMError(f"request failed: {exc.__class__.__name__}: {exc}") from exc
        if response.status_code != 200:
            raise LLMError(f"HTTP {response.status_code}")
        try:
            content = response.json()["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise LLMError(f"malformed response: {exc.__class__.__name__}") from exc
        if not isinstance(content, str) or not content.strip():
            raise LLMError("malformed response: empty content")
        return content

    def messages(self, sources: Sequence[Cited], k: int) -> list[dict[str, str]]:
        numbered = "\n".join(f"[{i}] {c.text}" for i, c in enumerate(sources, start=1))
        return [
            {"role": "system", "content": SYSTEM_PROMPT.format(k=k)},
            {"role": "user", "content": f"Source sentences:\n{numbered}\n\nSummary:"},
        ]

    def write_summary(self, articles: Sequence[SourceArticle], k: int = 4) -> WrittenSummary:
        """A checked summary of the story, or its takeaways when the model cannot help."""
        story = prepare(articles)
        if not story.candidates:
            return WrittenSummary([], fallback_reason="no quotable source sentences")
        ranked = rank_candidates(story)[: self.source_sentences]
        prompt_sources = [story.candidates[r.index].cite(r.score) for r in ranked]
        pool = [c.cite() for c in story.candidates]
        try:
            answer = self.complete(self.messages(prompt_sources, k))
        except LLMError as exc:
            log.warning("LLM writer fell back to extractive takeaways: %s", exc)
            return WrittenSummary(extractive_fallback(articles, k), fallback_reason=str(exc))
        kept: list[GeneratedSentence] = []
        dropped: list[DroppedSentence] = []
        for sentence in split_answer(answer):
            check = check_support(sentence, pool, self.min_support)
            if check.supported:
                kept.append(
                    GeneratedSentence(
                        sentence,
                        tuple(c.as_span() for c in check.supports),
                        round(check.similarity, 3),
                    )
                )
            else:
                dropped.append(DroppedSentence(sentence, check.reason))
        if dropped:
            log.info(
                "LLM writer dropped %d unsupported sentence(s): %s",
                len(dropped),
                json.dumps([d.reason for d in dropped]),
            )
        if not kept:
            reason = "no generated sentence was supported by the sources"
            log.warning("LLM writer fell back to extractive takeaways: %s", reason)
            return WrittenSummary(extractive_fallback(articles, k), dropped, True, reason)
        return WrittenSummary(kept, dropped, used_llm=True)
