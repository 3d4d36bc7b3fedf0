"""Claims: the checkable statements of one article, each with its exact span.

A claim is what cross-referencing compares: a value of something ("22 satellites",
"a $1.2 billion contract"), a date of an event ("the launch on Nov. 3"), an actor doing
something ("SpaceX launched ..."), or a quotation with its speaker. Hedged wording
("reportedly", "people familiar with the matter", "could") is kept but marked, so such
claims are shown labelled and never become key facts.

Extraction is rule-based on purpose: every claim must be traceable to a sentence, and the
rules are data (``quorum/data/hedges.toml``) a reviewer can read.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from types import MappingProxyType

from quorum.enrich.quantities import (
    QuantityMatch,
    count_noun,
    find_dates,
    find_quantities,
    singular,
    unit_kind,
)
from quorum.enrich.speakers import Attribution, QuoteAttributor
from quorum.records import Article, Claim, Span, normalise_text
from quorum.text import sentence_spans


@dataclass(frozen=True, slots=True)
class ClaimVocab:
    """The cue lists of hedges.toml, compiled once."""

    hedge: re.Pattern
    anonymous: tuple[str, ...]
    titles: frozenset[str]
    not_actors: frozenset[str]
    actions: MappingProxyType  # verb form -> lemma
    reporting: MappingProxyType
    events: MappingProxyType  # event word form -> event
    money_subjects: MappingProxyType  # noun form -> money subject
    revision: re.Pattern
    article_markers: tuple[str, ...]


def _words_re(words) -> re.Pattern:
    alternation = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{alternation})(?![\w-])", re.IGNORECASE)


def _invert(table: dict[str, list[str]]) -> MappingProxyType:
    return MappingProxyType({form.lower(): key for key, forms in table.items() for form in forms})


@cache
def load_vocab() -> ClaimVocab:
    """The packaged cue lists (read once: they are immutable data, not per-document state)."""
    raw = tomllib.loads(
        (resources.files("quorum") / "data" / "hedges.toml").read_text(encoding="utf-8")
    )
    return ClaimVocab(
        hedge=_words_re(raw["hedge"]["cues"]),
        anonymous=tuple(raw["attribution"]["anonymous_speakers"]),
        titles=frozenset(t.lower() for t in raw["attribution"]["titles"]),
        not_actors=frozenset(raw["actors"]["not_actors"]),
        actions=_invert(raw["actions"]),
        reporting=_invert(raw["reporting"]),
        events=_invert(raw["events"]),
        money_subjects=_invert(raw["money_subjects"]),
        revision=_words_re(raw["revision"]["cues"]),
        article_markers=tuple(m.lower() for m in raw["revision"]["article_markers"]),
    )


@dataclass(frozen=True, slots=True)
class MeasureVocab:
    """The lists of measures.toml: which numbers and dates are measures worth comparing."""

    captions: tuple[str, ...]
    narrative_nouns: frozenset[str]
    small_limit: float
    casualty: re.Pattern
    phone_before: frozenset[str]
    idioms: re.Pattern
    statement_verbs: frozenset[str]
    event_window: int
    distance_measures: MappingProxyType  # word after a distance -> what it measures
    earlier_figure: re.Pattern
    phases: MappingProxyType  # phase word -> start | end
    deltas: re.Pattern
    changing: frozenset[str]
    update_hours: float


@cache
def load_measures() -> MeasureVocab:
    """The packaged measures.toml (read once: immutable data)."""
    raw = tomllib.loads(
        (resources.files("quorum") / "data" / "measures.toml").read_text(encoding="utf-8")
    )
    counts = raw["counts"]
    return MeasureVocab(
        captions=tuple(c.lower() for c in raw["captions"]["cues"]),
        narrative_nouns=frozenset(counts["narrative_nouns"]),
        small_limit=float(counts["small_limit"]),
        casualty=_words_re(counts["casualty_words"]),
        phone_before=frozenset(raw["phone"]["before"]),
        idioms=_words_re(raw["idioms"]["phrases"]),
        statement_verbs=frozenset(raw["dates"]["statement_verbs"]),
        event_window=int(raw["dates"]["event_window"]),
        distance_measures=_invert(raw["distance_measures"]),
        earlier_figure=_words_re(raw["earlier_figure"]["cues"]),
        phases=_invert(raw["dates"]["phases"]),
        deltas=re.compile(
            r"(?<![\w-])(?:"
            + "|".join(re.escape(v) for v in sorted(raw["deltas"]["verbs"], key=len, reverse=True))
            + r")\s+(?:\w+\s+)?$",
            re.IGNORECASE,
        ),
        changing=frozenset(raw["changing"]["subjects"]),
        update_hours=float(raw["changing"]["update_hours"]),
    )


def event_phase(sentence: str, measures: MeasureVocab | None = None) -> str:
    """ "start", "end" or "" for a sentence dating one phase of an event ("talks ended")."""
    mv = measures or load_measures()
    for word in re.findall(r"[a-z]+(?: off| up)?", sentence.lower()):
        if word in mv.phases:
            return mv.phases[word]
    return ""


def is_caption(sentence: str, measures: MeasureVocab | None = None) -> bool:
    """True for a photo caption or credit line ("Two women walk past ... (AP Photo/...)")."""
    low = sentence.lower()
    return any(cue in low for cue in (measures or load_measures()).captions)


def recalls_earlier(sentence: str, measures: MeasureVocab | None = None) -> bool:
    """True when a sentence gives what earlier reports said ("Earlier reports put it at 14")."""
    return (measures or load_measures()).earlier_figure.search(sentence) is not None


def is_measure(
    sentence: str, match: QuantityMatch, subject: str, measures: MeasureVocab | None = None
) -> bool:
    """False for numbers that measure nothing: "one memo", "two officials said", "call 911",
    "no one"; true for figures of the event ("two soldiers were killed", "300 people")."""
    mv = measures or load_measures()
    q = match.quantity
    written = sentence[match.start : match.end]
    if q.low is not None and q.high is not None and not re.search(r"\d", written):
        if re.search(r"(?:dozens|hundreds|thousands|millions|billions)$", written.lower()):
            return False  # "thousands of migrants": a size, not a figure
    if q.unit == "count" and re.search(r"(?:^|\s)(?:one|an?)$", written.strip().lower()):
        return False  # "one official", "One memo": an article, not a figure
    if any(h.start() < match.end and match.start < h.end() for h in mv.idioms.finditer(sentence)):
        return False
    before = re.findall(r"[A-Za-z]+", sentence[max(0, match.start - 20) : match.start])
    if before and before[-1].lower() in mv.phone_before and q.unit == "count":
        return False
    if re.match(r"[-.\s]?\d{3}[-.]\d{4}", sentence[match.end : match.end + 9]):
        return False  # "202-555-0100"
    if (
        q.unit == "count"
        and subject in mv.narrative_nouns
        and q.value <= mv.small_limit
        and not mv.casualty.search(sentence)
    ):
        return False
    return True


def _statement_date(sentence: str, start: int, measures: MeasureVocab) -> bool:
    """True for "said Monday", "confirmed on Tuesday": the date of a statement."""
    words = re.findall(r"[A-Za-z]+", sentence[max(0, start - 30) : start])
    if words and words[-1].lower() == "on":
        words.pop()
    return bool(words) and words[-1].lower() in measures.statement_verbs


def hedge_cue(sentence: str, vocab: ClaimVocab | None = None) -> str | None:
    """The hedge cue in ``sentence`` ("reportedly", "sources say"), or None."""
    m = (vocab or load_vocab()).hedge.search(sentence)
    return m.group(0).lower() if m else None


# A capitalised word; a trailing full stop only on initialisms and titles ("U.S.", "Gen."),
# so "Space Command. Smith said" does not read as one name.
_TOKEN = (
    r"(?:(?:[A-Z]\.){2,}|(?:Gen|Lt|Col|Adm|Maj|Capt|Sgt|Rep|Sen|Dr|Mr|Ms|Mrs|Gov|St|Jr)\.|"
    r"[A-Z][A-Za-z0-9&'’-]*)"
)
_ACTOR = rf"{_TOKEN}(?:\s+(?:(?:of|for|and|de)\s+)?{_TOKEN}){{0,4}}"
_ACCORDING = re.compile(
    rf"\baccording to\s+(?:the\s+|an?\s+)?(?P<who>{_ACTOR}|[a-z][\w\s]{{2,40}}?)(?=[,.;]|$)"
)


def attribution(sentence: str) -> str | None:
    """Who a sentence is attributed to ("according to NASA" -> "NASA"), or None."""
    m = _ACCORDING.search(sentence)
    return _clean_name(m.group("who")) if m else None


def _clean_name(name: str) -> str:
    name = name.strip().rstrip(",;:")
    if name.endswith(".") and not re.search(r"\b[A-Z]\.$|U\.S\.$|U\.K\.$", name):
        name = name[:-1]
    name = re.sub(r"[’']s$", "", name)
    return re.sub(r"^(?:The|the)\s+", "", name)


# --- subjects ------------------------------------------------------------------------------

_MOVE_BEFORE = re.compile(
    r"([A-Za-z][\w-]*)\s+(?:rose|fell|grew|dropped|jumped|climbed|declined|slid|gained|lost|"
    r"increased|decreased|surged|plunged|was|were|is|are|of)\s+(?:by\s+)?$"
)
_OF_BEFORE = re.compile(r"([a-z][\w-]*)\s+of\s+(?:up to\s+|about\s+|some\s+)?$")
# Words after a value that say where or how, not what: "15 miles north of Detroit",
# "30 years old", "three times".
_NOT_SUBJECTS = frozenset(
    "time percent per cent year month day week north south east west northeast northwest "
    "southeast southwest away long wide high deep tall old ago apart short inland offshore "
    "overall total more less".split()
)


def _money_subject(sentence: str, match: QuantityMatch, vocab: ClaimVocab) -> str:
    after = sentence[match.end : match.end + 40].lower()
    m = re.match(
        r"[\s-]*(?:in\s+|worth\s+|for\s+|of\s+)?(?:a\s+|the\s+|new\s+)?([a-z]+(?:\s[a-z]+)?)", after
    )
    if m:
        for candidate in (m.group(1), m.group(1).split()[0]):
            if candidate in vocab.money_subjects:
                return vocab.money_subjects[candidate]
    # Otherwise the money noun nearest the figure in the same sentence.
    best: tuple[int, str] | None = None
    for form, subject in vocab.money_subjects.items():
        for hit in re.finditer(rf"\b{re.escape(form)}\b", sentence, re.IGNORECASE):
            distance = min(abs(hit.start() - match.end), abs(hit.end() - match.start))
            if best is None or distance < best[0]:
                best = (distance, subject)
    return best[1] if best else ""


def _distance_measure(sentence: str, match: QuantityMatch) -> str:
    """ "175 kilometers above the ocean" -> "altitude" (see measures.toml)."""
    after = sentence[match.end : match.end + 20].lower()
    m = re.match(r"[\s,-]*([a-z]+(?:\s[a-z]+)?)", after)
    if not m:
        return ""
    table = load_measures().distance_measures
    for candidate in (m.group(1), m.group(1).split()[0]):
        if candidate in table:
            return table[candidate]
    return ""


def quantity_subject(sentence: str, match: QuantityMatch, vocab: ClaimVocab | None = None) -> str:
    """What a value in ``sentence`` is of: the counted noun, the money noun ("contract"),
    or "" when nothing reliable names it (such values are never called conflicting)."""
    vocab = vocab or load_vocab()
    kind = unit_kind(match.quantity.unit)
    if kind == "money":
        subject = _money_subject(sentence, match, vocab)
        before = sentence[max(0, match.start - 30) : match.start]
        if subject and load_measures().deltas.search(before):
            return f"{subject} change"  # "cutting $500 million from the budget"
        return subject
    if kind == "distance":
        measure = _distance_measure(sentence, match)
        if measure:
            return measure
    noun = count_noun(sentence, match.end)
    if noun in ("", "of") or noun in _NOT_SUBJECTS:
        noun = ""
    if noun or kind == "count":
        return noun
    before = sentence[max(0, match.start - 60) : match.start]
    m = _MOVE_BEFORE.search(before) if kind == "percent" else _OF_BEFORE.search(before)
    if m and m.group(1).lower() not in _NOT_SUBJECTS:
        return singular(m.group(1))
    return ""


def _nearest_event(
    sentence: str, start: int, end: int, vocab: ClaimVocab, window: int | None = None
) -> str:
    best: tuple[int, str] | None = None
    for form, event in vocab.events.items():
        for hit in re.finditer(rf"(?<![\w-]){re.escape(form)}(?![\w-])", sentence, re.IGNORECASE):
            if hit.group(0)[0].isupper() and sentence[: hit.start()].strip():
                continue  # "Launch Complex 3", "Test Range": part of a name, not the event
            if hit.end() <= start:
                distance = start - hit.end()
            else:
                # English names the event before its date ("the launch on Nov. 3",
                # "launched Tuesday"): a word after the date must be much closer to win.
                distance = abs(hit.start() - end) + _AFTER_PENALTY
            if (best is None or distance < best[0]) and (window is None or distance <= window):
                best = (distance, event)
    return best[1] if best else ""


_AFTER_PENALTY = 20  # characters: about three words


# --- actors and quotes ------------------------------------------------------------------


def _verb_re(vocab: ClaimVocab) -> re.Pattern:
    forms = sorted(list(vocab.actions) + list(vocab.reporting), key=len, reverse=True)
    verbs = "|".join(re.escape(f) for f in forms)
    return re.compile(
        rf"(?<![\w.])(?P<actor>{_ACTOR})\s+(?:(?:has|have|had|will|on\s+[A-Z]\w+|also)\s+)?"
        rf"(?P<verb>{verbs})\b"
    )


def _actor_claims(
    sentence: str, span: Span, vocab: ClaimVocab, hedged: bool, outlet: str
) -> list[Claim]:
    claims = []
    for m in _verb_re(vocab).finditer(sentence):
        actor = _clean_name(m.group("actor"))
        first = actor.split()[0] if actor else ""
        if not actor or first in vocab.not_actors or actor in vocab.not_actors:
            continue
        verb = m.group("verb").lower()
        lemma = vocab.actions.get(verb) or vocab.reporting.get(verb)
        claims.append(
            Claim("actor", span, subject=f"{actor} {lemma}", hedged=hedged, outlet=outlet)
        )
        if len(claims) == 2:  # the main clause and at most one more: enough to align on
            break
    return claims


_QUOTE = re.compile(r"“(?P<curly>[^“”]{3,800})”|\"(?P<straight>[^\"\n]{3,800})\"")


def _find_speaker(text: str, q_start: int, q_end: int, vocab: ClaimVocab) -> Attribution:
    """The speaker of one quote read on its own (no earlier quotes to continue)."""
    return QuoteAttributor(text).attribute(q_start, q_end)


def is_anonymous(speaker: str, vocab: ClaimVocab | None = None) -> bool:
    """True for "a source", "people familiar with the matter": nobody checkable."""
    low = speaker.lower()
    return any(re.search(rf"\b{re.escape(a)}\b", low) for a in (vocab or load_vocab()).anonymous)


def _sentence_end(text: str, start: int) -> int:
    """Where the sentence holding an attribution ends, so a span keeps the speaker's title:
    '... said ABC Entertainment Group president Paul Lee.' (at most 200 characters on)."""
    m = re.compile(r"[.!?](?=\s|$)|\n").search(text, start, min(len(text), start + 200))
    if m is None:
        return start
    return m.end() if m.group(0) != "\n" else m.start()


def _quote_claims(article_key: int | str, text: str, vocab: ClaimVocab, outlet: str) -> list[Claim]:
    claims: list[Claim] = []
    attributor = QuoteAttributor(text)
    for m in _QUOTE.finditer(text):
        quoted = m.group("curly") or m.group("straight")
        if len(quoted.split()) < 4:
            continue  # scare quotes and names ("Golden Dome"), not quotations
        found = attributor.attribute(m.start(), m.end())
        if found.how == "title":
            continue  # 'the book, "A Modern History of Vietnam"': a title, not a quotation
        speaker = found.speaker
        # Hedged: nobody named ("unattributed"), or a speaker who hid their name.
        hedged = speaker is None or found.anonymous or is_anonymous(speaker, vocab)
        end = _sentence_end(text, found.end) if found.end > m.end() else found.end
        span = Span(article_key, found.start, end, text[found.start : end])
        claims.append(
            Claim(
                "quote",
                span,
                subject=normalise_text(quoted),
                speaker=speaker,
                hedged=hedged,
                outlet=outlet,
            )
        )
    return claims


# --- the whole article ------------------------------------------------------------------


def extract_claims(
    article: Article, article_key: int | str | None = None, vocab: ClaimVocab | None = None
) -> list[Claim]:
    """All claims of ``article``'s text, in order. ``article_key`` goes into each Span
    (default: the article's id, else its URL)."""
    vocab = vocab or load_vocab()
    measures = load_measures()
    key = (
        article_key
        if article_key is not None
        else (article.id if article.id is not None else article.url)
    )
    text = article.text or ""
    claims: list[Claim] = []
    for start, end in sentence_spans(text):
        sentence = text[start:end]
        span = Span(key, start, end, sentence)
        hedged = hedge_cue(sentence, vocab) is not None
        dates = find_dates(sentence, article.published)
        if is_caption(sentence, measures):
            continue  # a photo caption reports nothing; the story says it elsewhere
        for d in dates:
            if _statement_date(sentence, d.start, measures):
                continue  # "the Space Force said Monday": when it was said, not the event
            event = _nearest_event(sentence, d.start, d.end, vocab, measures.event_window)
            if event:  # a date of nothing named cannot be compared across sources
                claims.append(
                    Claim(
                        "date",
                        span,
                        subject=event,
                        date=d.iso,
                        hedged=hedged,
                        outlet=article.outlet,
                    )
                )
        for q in find_quantities(sentence, skip=[(d.start, d.end) for d in dates]):
            subject = quantity_subject(sentence, q, vocab)
            if not is_measure(sentence, q, subject, measures):
                continue
            claims.append(
                Claim(
                    "quantity",
                    span,
                    subject=subject,
                    quantity=q.quantity,
                    hedged=hedged,
                    outlet=article.outlet,
                )
            )
        claims.extend(_actor_claims(sentence, span, vocab, hedged, article.outlet))
    claims.extend(_quote_claims(key, text, vocab, article.outlet))
    return claims


def revision_cue(sentence: str, vocab: ClaimVocab | None = None) -> str | None:
    """The revision cue of a sentence ("raised to", "postponed"), or None."""
    m = (vocab or load_vocab()).revision.search(sentence)
    return m.group(0).lower() if m else None


def is_update_article(article: Article, vocab: ClaimVocab | None = None) -> bool:
    """True when the article says it updates an earlier report ("UPDATED:", "Correction:")."""
    markers = (vocab or load_vocab()).article_markers
    head = (article.title + "\n" + (article.text or "")[:300]).lower()
    tail = (article.text or "")[-300:].lower()
    return any(m in head or m in tail for m in markers)
