"""Leave-one-publisher-out extraction scores: rules chosen on 15 publishers, scored on the 16th.

Quorum's extraction carries rules read off real pages: furniture patterns, class names of
containers to prune, switches of the cascade, the length bound of a furniture line. Scored
on the pages they were read from, they flatter; a page from a publisher never seen is the
real case. So for each publisher in turn, every rule is decided on the other publishers'
pages alone and the resulting configuration scores the held-out publisher:

- a pattern or class token is kept only if dropping it lowers the training F1 (a rule that
  never fires on the training pages, or does not help there, is changed);
- a switch takes the value that scores higher on the training pages, ties going to the
  untuned value (trafilatura's default, or Quorum's step switched off);
- ``max_line_words`` takes the best value of ``LINE_WORD_GRID`` on the training pages.

``ExtractOptions.recall_guard`` is a sanity bound that acts only when precision mode loses
nearly the whole story; it stays as shipped.

Each rule is judged against the shipped configuration with only that rule changed (one
extraction per rule and page, cached), and the chosen configuration is then run on the
held-out pages as a whole. A fixed baseline (trafilatura's best simple configuration) runs
on the same pages; with nothing to tune its held-out score is its plain score.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path

import trafilatura

from quorum.evaluation.extraction import LcsMemo, TruthArticle, read_page, score_article, shingle_f1
from quorum.extract import ExtractOptions, clean_paragraphs, extract_raw, parse_html
from quorum.furniture import Boilerplate, default_boilerplate
from quorum.records import Extracted

log = logging.getLogger(__name__)

# The value each switch has when nobody tuned it: trafilatura's own defaults for its
# switches, off for the steps Quorum adds around it.
UNTUNED_OPTIONS = {
    "favor_precision": False,
    "favor_recall": False,
    "include_tables": True,
    "include_comments": True,
    "prune_boilerplate": False,
    "drop_headline": False,
    "drop_boilerplate_lines": False,
    "drop_author_bio": False,
    "drop_link_only": False,
}
# Switches that change the tree trafilatura reads (the rest act on its text).
_TREE_OPTIONS = (
    "prune_boilerplate",
    "drop_link_only",
    "favor_precision",
    "favor_recall",
    "include_tables",
    "include_comments",
    "recall_guard",
)
# Candidate bounds (words) of a short furniture line.
LINE_WORD_GRID = (10, 15, 25, 40)
# Pattern lists of the vocabulary whose entries are rules.
_PATTERN_LISTS = ("line_patterns", "marker_patterns", "span_patterns")


def publisher_of(file: str) -> str:
    """``"TheGuardian_3.html.gz"`` -> ``"TheGuardian"`` (Fundus names pages by publisher)."""
    stem = file.split(".", 1)[0]
    return stem.rsplit("_", 1)[0] if "_" in stem else stem


@dataclass(frozen=True, slots=True)
class Config:
    options: ExtractOptions
    boilerplate: Boilerplate


@dataclass(frozen=True, slots=True)
class Rule:
    """One tunable choice: ``kind`` is option, threshold or a vocabulary list; ``name`` its key."""

    kind: str
    name: str

    def label(self) -> str:
        return f"{self.kind}:{self.name}"


def candidate_rules(config: Config) -> list[Rule]:
    """Every choice of ``config`` that was tuned on pages, one rule each."""
    rules = [Rule("option", f.name) for f in fields(ExtractOptions) if f.name in UNTUNED_OPTIONS]
    rules.append(Rule("threshold", "max_line_words"))
    for kind in _PATTERN_LISTS:
        rules += [Rule(kind, p.pattern) for p in getattr(config.boilerplate, kind)]
    rules += [Rule("prune_class_tokens", t) for t in sorted(config.boilerplate.prune_class_tokens)]
    return rules


def variants(config: Config, rule: Rule) -> list[Config]:
    """The alternatives to ``config`` for one rule, untuned first."""
    options, bp = config.options, config.boilerplate
    if rule.kind == "option":
        current = getattr(options, rule.name)
        return [replace(config, options=replace(options, **{rule.name: not current}))]
    if rule.kind == "threshold":
        return [
            replace(config, boilerplate=replace(bp, max_line_words=words))
            for words in LINE_WORD_GRID
            if words != bp.max_line_words
        ]
    if rule.kind == "prune_class_tokens":
        return [
            replace(
                config,
                boilerplate=replace(bp, prune_class_tokens=bp.prune_class_tokens - {rule.name}),
            )
        ]
    kept = tuple(p for p in getattr(bp, rule.kind) if p.pattern != rule.name)
    return [replace(config, boilerplate=replace(bp, **{rule.kind: kept}))]


class _Runner:
    """Extracts and scores pages under many configurations, re-using what cannot differ.

    trafilatura runs once per page and distinct tree-changing configuration: a class token
    absent from a page cannot change it, and text-stage rules re-use the raw text.
    """

    def __init__(self, html_dir: Path, truth: Sequence[TruthArticle]) -> None:
        self.truth = {a.file: a for a in truth}
        self.pages: dict[str, bytes] = {}
        self.tokens: dict[str, frozenset[str]] = {}
        for article in truth:
            try:
                self.pages[article.file] = read_page(Path(html_dir) / article.file)
            except OSError as exc:
                log.warning("skipping %s: %s", article.file, exc)
                self.pages[article.file] = b""
        self._raw: dict[tuple, Extracted] = {}
        self._scores: dict[tuple[str, str], float] = {}
        self._texts: dict[tuple[str, Config], str] = {}
        self._lcs: LcsMemo = {}

    def _page_tokens(self, file: str) -> frozenset[str]:
        if file not in self.tokens:
            tree = parse_html(self.pages[file]) if self.pages[file] else None
            names: set[str] = set()
            if tree is not None:
                for element in tree.iter():
                    if isinstance(element.tag, str):
                        names.update(
                            f"{element.get('class', '')} {element.get('id', '')}".lower().split()
                        )
            self.tokens[file] = frozenset(names)
        return self.tokens[file]

    def text(self, file: str, config: Config) -> str:
        """The extracted text (``finish`` without its language guess, which scores ignore)."""
        if (file, config) in self._texts:
            return self._texts[(file, config)]
        options, bp = config.options, config.boilerplate
        tokens = (
            bp.prune_class_tokens & self._page_tokens(file) if options.prune_boilerplate else None
        )
        key = (file, tokens, *(getattr(options, name) for name in _TREE_OPTIONS))
        if key not in self._raw:
            url = self.truth[file].url or None
            self._raw[key] = extract_raw(self.pages[file], url, options, bp)
        raw = self._raw[key]
        text = "\n\n".join(clean_paragraphs(raw.text, raw.title, raw.author, options, bp))
        self._texts[(file, config)] = text
        return text

    def f1(self, file: str, config: Config) -> float:
        text = self.text(file, config)
        if (file, text) not in self._scores:
            self._scores[(file, text)] = score_article(self.truth[file], text, self._lcs).f1
        return self._scores[(file, text)]


@dataclass(frozen=True, slots=True)
class PublisherScore:
    """Held-out scores of one publisher (0..1): Quorum tuned without it, and the baseline."""

    publisher: str
    pages: int
    quorum_f1: float
    baseline_f1: float
    quorum_shingle_f1: float
    baseline_shingle_f1: float
    in_sample_f1: float  # the shipped configuration, tuned with this publisher's pages
    changed: tuple[str, ...]  # shipped rules the training publishers did not support


@dataclass(frozen=True, slots=True)
class LopoReport:
    publishers: tuple[PublisherScore, ...]

    def _mean(self, attr: str) -> float:
        values = [getattr(p, attr) for p in self.publishers]
        return sum(values) / len(values) if values else 0.0

    def figures(self) -> dict[str, float]:
        """Means over publishers on the 0-100 scale."""
        names = ("quorum_f1", "baseline_f1", "quorum_shingle_f1", "baseline_shingle_f1")
        figures = {name: round(100 * self._mean(name), 2) for name in (*names, "in_sample_f1")}
        figures["publishers"] = len(self.publishers)
        return figures


def trafilatura_baseline(page: bytes, url: str | None) -> str:
    """trafilatura's best simple configuration on the Fundus pages (issue 15)."""
    return trafilatura.extract(page, url=url, include_comments=False, favor_precision=True) or ""


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def _choose(
    runner: _Runner, config: Config, rules: Sequence[Rule], train: Sequence[str]
) -> tuple[Config, list[str]]:
    """The configuration whose every rule was decided on ``train`` pages; the changed rules."""
    base = _mean([runner.f1(f, config) for f in train])
    chosen, changed = config, []
    for rule in rules:
        alternatives = variants(config, rule)
        scores = [_mean([runner.f1(f, alt) for f in train]) for alt in alternatives]
        best = max(range(len(scores)), key=scores.__getitem__) if scores else None
        if best is None:
            continue
        if rule.kind == "option":
            untuned = UNTUNED_OPTIONS[rule.name]
            shipped_is_untuned = getattr(config.options, rule.name) == untuned
            switch = scores[best] > base or (scores[best] == base and not shipped_is_untuned)
            if switch:
                value = getattr(alternatives[best].options, rule.name)
                chosen = replace(chosen, options=replace(chosen.options, **{rule.name: value}))
                changed.append(f"{rule.label()}={value}")
        elif rule.kind == "threshold":
            if scores[best] > base:
                words = alternatives[best].boilerplate.max_line_words
                chosen = replace(
                    chosen, boilerplate=replace(chosen.boilerplate, max_line_words=words)
                )
                changed.append(f"{rule.label()}={words}")
        elif scores[best] >= base:  # a pattern or token must strictly help
            chosen = variants(chosen, rule)[0]
            changed.append(rule.label())
    return chosen, changed


def evaluate_lopo(
    html_dir: Path,
    truth: Sequence[TruthArticle],
    config: Config | None = None,
    baseline: Callable[[bytes, str | None], str] = trafilatura_baseline,
) -> LopoReport:
    """Held-out F1 of each publisher with rules chosen on the others, beside the baseline's."""
    config = config or Config(ExtractOptions(), default_boilerplate())
    runner = _Runner(html_dir, truth)
    rules = candidate_rules(config)
    by_publisher: dict[str, list[str]] = {}
    for article in truth:
        by_publisher.setdefault(publisher_of(article.file), []).append(article.file)
    results = []
    for publisher, held in sorted(by_publisher.items()):
        train = [f for p, files in by_publisher.items() if p != publisher for f in files]
        chosen, changed = _choose(runner, config, rules, train)
        quorum_texts = {f: runner.text(f, chosen) for f in held}
        baseline_texts = {f: baseline(runner.pages[f], runner.truth[f].url or None) for f in held}
        results.append(
            PublisherScore(
                publisher=publisher,
                pages=len(held),
                quorum_f1=_mean([runner.f1(f, chosen) for f in held]),
                baseline_f1=_mean(
                    [score_article(runner.truth[f], baseline_texts[f]).f1 for f in held]
                ),
                quorum_shingle_f1=_mean(
                    [shingle_f1(runner.truth[f], quorum_texts[f]) for f in held]
                ),
                baseline_shingle_f1=_mean(
                    [shingle_f1(runner.truth[f], baseline_texts[f]) for f in held]
                ),
                in_sample_f1=_mean([runner.f1(f, config) for f in held]),
                changed=tuple(changed),
            )
        )
    return LopoReport(tuple(results))
