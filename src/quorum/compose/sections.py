"""The parts of a story page around the takeaways: headline, analysis, what to watch, who's
affected. All extractive: every sentence is a ``Cited`` span of a source article.
"""

from __future__ import annotations

import logging
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path

import numpy as np
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import TfidfVectorizer

from quorum.compose import Cited, SourceArticle, article_key
from quorum.compose.takeaways import (
    StorySentences,
    TakeawayWeights,
    lead_prior,
    prepare,
    select,
)
from quorum.records import Entity, Mention

log = logging.getLogger(__name__)


class ComposeDataError(ValueError):
    """A composition data file (cues, stakeholders) that cannot be used."""


def _load_toml(name: str, path: Path | None) -> dict:
    try:
        if path is not None:
            return tomllib.loads(Path(path).read_text(encoding="utf-8"))
        ref = resources.files("quorum") / "data" / name
        return tomllib.loads(ref.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ComposeDataError(f"{path or name}: {exc}") from exc


# --- headline ---------------------------------------------------------------------------------

# Labels outlets put before a headline; they describe the format, not the news.
_PREFIX = re.compile(
    r"^\s*(?:(?:update[d]?|exclusive|breaking(?: news)?|watch|video|live|opinion|analysis|"
    r"photos?|just in|report)\s*\d*\s*[:|–—-]\s*)+",
    re.IGNORECASE,
)
# Separators between a headline and the site (or section) name appended to it.
_SEPARATORS = (" | ", " – ", " — ", " - ", " :: ", " · ", " • ")


@dataclass(frozen=True)
class Headline:
    """The chosen headline: ``text == source_text == title[start:end]`` of ``article_id``'s
    title. The page shows the title exactly as the outlet wrote it, capitals included:
    re-casing ("C.I.A." -> "c.i.a.") would make the cited span differ from its source.
    """

    text: str
    source_text: str
    article_id: int | str
    start: int
    end: int
    score: float = 0.0


def _folded(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _looks_like_site(tail: str, head: str, separator: str, sites: set[str]) -> bool:
    words = tail.split()
    if not words or len(head.split()) < 3:
        return False  # never strip a headline down to a stub
    folded = _folded(tail)
    if folded and any(folded == s or folded in s or s in folded for s in sites if s):
        return True
    # "| Section | Site" tails are short; a bar rarely separates parts of a headline.
    if separator.strip() in "|::·•" and len(words) <= 6:
        return True
    # Dashes also join headline clauses; strip only a short Title-Case name ("NBC Chicago").
    return len(words) <= 4 and all(w[:1].isupper() or not w[:1].isalpha() for w in words)


def clean_title(title: str, site_names: Iterable[str] = ()) -> tuple[int, int]:
    """(start, end) of the headline inside ``title`` without format labels and site names."""
    sites = {_folded(s) for s in site_names}
    start, end = 0, len(title)
    prefix = _PREFIX.match(title)
    if prefix and prefix.end() < len(title):
        start = prefix.end()
    for _ in range(2):  # "Headline | Section | Site"
        part = title[start:end]
        cut = max(((part.rfind(sep), sep) for sep in _SEPARATORS), key=lambda x: x[0])
        if cut[0] <= 0 or not _looks_like_site(
            part[cut[0] + len(cut[1]) :], part[: cut[0]], cut[1], sites
        ):
            break
        end = start + cut[0]
    while start < end and title[start].isspace():
        start += 1
    while end > start and title[end - 1].isspace():
        end -= 1
    return start, end


def _is_shouting(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 8 and all(c.isupper() for c in letters)


def clean_headline(
    titles: Sequence[tuple[int | str, str]], site_names: Iterable[str] = ()
) -> Headline | None:
    """The most representative title: cleaned, and the most similar to the other titles.

    Capitals-only titles and very short or long ones are penalised (they are labels or
    teasers), but one chosen is shown as written; ties keep the first title. ``None``
    when no title has any text.
    """
    sites = list(site_names)
    cleaned = []
    for article_id, title in titles:
        if not title or not title.strip():
            continue
        start, end = clean_title(title, sites)
        cleaned.append((article_id, title, start, end))
    if not cleaned:
        return None
    texts = [t[start:end] for _, t, start, end in cleaned]
    try:
        matrix = TfidfVectorizer(sublinear_tf=True).fit_transform(texts)
        similarity = (matrix @ matrix.T).toarray()
    except ValueError:  # no word characters at all
        similarity = np.eye(len(texts))
    best: tuple[float, int] | None = None
    for i, text in enumerate(texts):
        others = np.delete(similarity[i], i)
        score = float(others.mean()) if others.size else 1.0
        words = len(text.split())
        # 4..20 words: fewer is a label ("Launch"), more is a teaser paragraph.
        if words < 4 or words > 20:
            score *= 0.7
        if _is_shouting(text):
            score *= 0.5
        if best is None or score > best[0]:
            best = (score, i)
    assert best is not None
    article_id, title, start, end = cleaned[best[1]]
    source_text = title[start:end]
    return Headline(source_text, source_text, article_id, start, end, round(best[0], 4))


def headline_for(articles: Sequence[SourceArticle]) -> Headline | None:
    """``clean_headline`` over the story's originals, knowing their outlets' names."""
    titles, sites = [], []
    for index, source in enumerate(articles):
        if source.is_copy:
            continue
        titles.append((article_key(source, index), source.article.title))
        sites.append(source.article.outlet.split(".")[0])
        if isinstance(source.article.extra.get("site_name"), str):
            sites.append(source.article.extra["site_name"])
    return clean_headline(titles, sites)


# --- analysis ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    """One sub-topic of the analysis: a few keywords and its sentences in story order."""

    title: str
    sentences: list[Cited]
    terms: tuple[str, ...] = ()


def _published_key(articles: Sequence[SourceArticle], index: int) -> float:
    published = articles[index].article.published if index < len(articles) else None
    if isinstance(published, datetime):
        return published.timestamp()
    return float("inf")  # undated articles after dated ones


def analysis(
    articles: Sequence[SourceArticle],
    k_sections: int = 3,
    per_section: int = 3,
    exclude: Sequence[Cited] | None = None,
    story: StorySentences | None = None,
) -> list[Section]:
    """Sentences beyond the takeaways, grouped into up to ``k_sections`` sub-topics.

    ``exclude`` defaults to the story's key takeaways; sentences that repeat one of them
    are left out too. Sub-topics are k-means clusters of TF-IDF rows (fixed seed, so the
    page is stable); a cluster of one sentence is not a section.
    """
    story = story or prepare(articles)
    if len(story) < 2 or story.matrix is None:
        return []
    weights = TakeawayWeights()
    if exclude is None:
        exclude = select(story, k=5, weights=weights)
    taken = {(c.article_id, c.start) for c in exclude}
    taken_rows = [i for i, c in enumerate(story.candidates) if (c.article_id, c.start) in taken]
    rest = [
        i
        for i, c in enumerate(story.candidates)
        if (c.article_id, c.start) not in taken
        and not any(story.same(i, t) >= weights.redundancy for t in taken_rows)
    ]
    if len(rest) < 2:
        return []
    n_clusters = max(1, min(k_sections, len(rest) // 2))
    rows = story.matrix[rest]
    labels = KMeans(n_clusters=n_clusters, n_init=10, random_state=0).fit_predict(rows)
    prior = lead_prior(story.candidates)
    overall = np.asarray(story.matrix.mean(axis=0)).ravel()
    sections: list[tuple[tuple[float, int, int], Section]] = []
    for label in range(n_clusters):
        members = [rest[j] for j in range(len(rest)) if labels[j] == label]
        if len(members) < 2:
            continue
        centroid = np.asarray(story.matrix[members].mean(axis=0)).ravel()
        fit = (story.matrix[members] @ centroid) + 0.1 * prior[members]
        picked: list[int] = []
        for j in np.argsort(-fit, kind="stable"):
            i = members[int(j)]
            if all(story.same(i, p) < weights.redundancy for p in picked):
                picked.append(i)
            if len(picked) >= per_section:
                break

        def order(i: int) -> tuple[float, int, int]:
            c = story.candidates[i]
            return (_published_key(articles, c.article_index), c.article_index, c.position)

        picked.sort(key=order)
        # Keywords: what sets this cluster apart from the story as a whole.
        # Numbers are left out: "18, agreement" names nothing.
        distinct = centroid - overall
        terms = tuple(
            story.terms[t]
            for t in np.argsort(-distinct, kind="stable")
            if distinct[t] > 0 and not story.terms[t].isdigit()
        )[:3]
        section = Section(
            ", ".join(terms).capitalize(),
            [story.candidates[i].cite(float(fit[members.index(i)])) for i in picked],
            terms,
        )
        sections.append((order(picked[0]), section))
    return [s for _, s in sorted(sections, key=lambda x: x[0])]


# --- what to watch ----------------------------------------------------------------------------


@dataclass(frozen=True)
class WatchItem(Cited):
    """A forward-looking sentence, with the cues that made it one."""

    cues: tuple[str, ...] = ()


@dataclass(frozen=True)
class ForwardCues:
    patterns: tuple[tuple[re.Pattern[str], float], ...]
    threshold: float
    future_year: float
    future_date: float

    @classmethod
    def load(cls, path: Path | None = None) -> ForwardCues:
        data = _load_toml("forward_cues.toml", path)
        try:
            patterns = tuple(
                (re.compile(rf"\b(?:{pattern})\b", re.IGNORECASE), float(weight))
                for pattern, weight in data["cues"].items()
            )
            return cls(
                patterns,
                float(data.get("threshold", 1.0)),
                float(data.get("future_year", 1.0)),
                float(data.get("future_date", 0.5)),
            )
        except (KeyError, TypeError, ValueError, re.error) as exc:
            raise ComposeDataError(f"forward cues: {exc}") from exc


_YEAR = re.compile(r"\b(20\d\d)\b")
_MONTHS = (
    "january february march april may june july august september october november december"
).split()
_MONTH_DAY = re.compile(
    r"\b(" + "|".join(_MONTHS) + r"|jan|feb|mar|apr|jun|jul|aug|sept|sep|"
    r"oct|nov|dec)\.? (\d{1,2})\b",
    re.IGNORECASE,
)


def _month_number(name: str) -> int:
    name = name.lower()[:3]
    return [m[:3] for m in _MONTHS].index(name) + 1


def forward_cues_in(
    text: str, published: datetime | None, cues: ForwardCues
) -> tuple[float, tuple[str, ...]]:
    """Sum of cue weights in ``text`` and the matched cue texts."""
    total, found = 0.0, []
    claimed: list[tuple[int, int]] = []
    for pattern, weight in cues.patterns:
        match = pattern.search(text)
        # A cue inside one already counted ("will" in "will vote") is the same evidence.
        if match and not any(match.start() < e and s < match.end() for s, e in claimed):
            total += weight
            found.append(match.group(0))
            claimed.append(match.span())
    if published is not None:
        years = [m for m in _YEAR.finditer(text) if int(m.group(1)) > published.year]
        if years:
            total += cues.future_year
            found.append(years[0].group(0))
        for m in _MONTH_DAY.finditer(text):
            if (_month_number(m.group(1)), int(m.group(2))) > (published.month, published.day):
                total += cues.future_date
                found.append(m.group(0))
                break
    return total, tuple(found)


def what_to_watch(
    articles: Sequence[SourceArticle],
    k: int = 4,
    cues: ForwardCues | None = None,
    story: StorySentences | None = None,
) -> list[WatchItem]:
    """Forward-looking sentences (scheduled dates, pending decisions), strongest first.

    A sentence repeating one already listed (TF-IDF cosine >= 0.5, as for takeaways) is
    left out.
    """
    cues = cues or ForwardCues.load()
    story = story or prepare(articles)
    scored = []
    for i, c in enumerate(story.candidates):
        published = articles[c.article_index].article.published
        weight, found = forward_cues_in(c.text, published, cues)
        if weight >= cues.threshold:
            scored.append((weight, i, found))
    scored.sort(
        key=lambda x: (-x[0], story.candidates[x[1]].article_index, story.candidates[x[1]].position)
    )
    chosen: list[tuple[float, int, tuple[str, ...]]] = []
    redundancy = TakeawayWeights().redundancy
    for item in scored:
        if all(story.same(item[1], other[1]) < redundancy for other in chosen):
            chosen.append(item)
        if len(chosen) >= k:
            break
    out = []
    for weight, i, found in chosen:
        c = story.candidates[i]
        out.append(WatchItem(c.text, c.article_id, c.start, c.end, round(weight, 2), found))
    return out


# --- who's affected ---------------------------------------------------------------------------


@dataclass(frozen=True)
class StakeholderEvidence:
    """Why a group is listed: an entity of the story or a sector term in one sentence."""

    kind: str  # entity | entity-type | term
    matched: str
    sentence: Cited | None = None


@dataclass(frozen=True)
class Stakeholder:
    group: str
    evidence: tuple[StakeholderEvidence, ...]


@dataclass(frozen=True)
class StakeholderGroup:
    name: str
    entity_types: frozenset[str]
    entity_names: frozenset[str]  # case-folded canonical names
    terms: tuple[re.Pattern[str], ...]


def load_stakeholder_groups(path: Path | None = None) -> list[StakeholderGroup]:
    """The groups of data/stakeholders.toml (or ``path``), in file order."""
    data = _load_toml("stakeholders.toml", path)
    groups = []
    try:
        for raw in data["group"]:
            groups.append(
                StakeholderGroup(
                    str(raw["name"]),
                    frozenset(raw.get("entity_types", [])),
                    frozenset(n.casefold() for n in raw.get("entity_names", [])),
                    tuple(
                        re.compile(rf"(?<!\w){re.escape(t)}(?!\w)", re.IGNORECASE)
                        for t in raw.get("terms", [])
                    ),
                )
            )
    except (KeyError, TypeError, AttributeError) as exc:
        raise ComposeDataError(f"stakeholders: {exc}") from exc
    return groups


EntityLike = tuple[str, str] | Entity | Mention


def _type_and_name(entity: EntityLike) -> tuple[str, str]:
    if isinstance(entity, Mention):
        return entity.entity.type, entity.entity.name
    if isinstance(entity, Entity):
        return entity.type, entity.name
    kind, name = entity
    return str(kind), str(name)


def whos_affected(
    entities: Sequence[EntityLike],
    sentences: Sequence[Cited],
    groups: Sequence[StakeholderGroup] | None = None,
    max_evidence: int = 5,
) -> list[Stakeholder]:
    """Stakeholder groups the story touches, each with the entities/sentences that say so.

    ``entities`` are (type, canonical name) pairs, ``Entity`` or ``Mention`` records.
    Groups with more evidence come first; each keeps at most ``max_evidence`` items.
    """
    groups = groups if groups is not None else load_stakeholder_groups()
    pairs = []
    for entity in entities:
        try:
            pairs.append(_type_and_name(entity))
        except (TypeError, ValueError):
            log.warning("whos_affected: skipped unusable entity %r", entity)
    found: list[tuple[int, int, Stakeholder]] = []
    for order, group in enumerate(groups):
        evidence: list[StakeholderEvidence] = []
        seen: set[tuple[str, str]] = set()
        for kind, name in pairs:
            if name.casefold() in group.entity_names:
                key = ("entity", name.casefold())
            elif kind in group.entity_types:
                key = ("entity-type", name.casefold())
            else:
                continue
            if key in seen:
                continue
            seen.add(key)
            mention = next((s for s in sentences if name.casefold() in s.text.casefold()), None)
            evidence.append(StakeholderEvidence(key[0], f"{name} ({kind})", mention))
        for pattern in group.terms:
            for sentence in sentences:
                match = pattern.search(sentence.text)
                if match and ("term", match.group(0).casefold()) not in seen:
                    seen.add(("term", match.group(0).casefold()))
                    evidence.append(StakeholderEvidence("term", match.group(0), sentence))
                    break
        if evidence:
            found.append(
                (len(evidence), order, Stakeholder(group.name, tuple(evidence[:max_evidence])))
            )
    found.sort(key=lambda x: (-x[0], x[1]))
    return [s for _, _, s in found]
