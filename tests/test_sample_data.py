"""Checks the fictional sample newsroom against its documented format and required cases.

The demo server, the ingestion tests and the evaluation scripts all code against
``src/quorum/data/sample``; a malformed line or a silently dropped test case there would show up
later as a confusing failure in some other stage, so it is caught here instead. Only the
standard library is used, so this test does not depend on any Quorum module.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path

import pytest

SAMPLE_DIR = Path(__file__).resolve().parents[1] / "src" / "quorum" / "data" / "sample"

OUTLET_KINDS = {"wire", "newspaper", "broadcaster", "trade", "government", "blog"}
FEED_FORMATS = {"rss2", "atom", "rss1", "rss091"}
ARTICLE_FIELDS = {
    "id": str,
    "outlet": str,
    "slug": str,
    "title": str,
    "published": str,
    "text": str,
    "in_beat": bool,
    "note": str,
}
NULLABLE_STR_FIELDS = ("author", "story", "copy_of", "credit", "reprint_source")
WINDOW_START = datetime(2026, 10, 5, tzinfo=UTC)
WINDOW_END = datetime(2026, 11, 17, tzinfo=UTC)  # exclusive: the corpus ends on Nov. 16
# Copies differ from their original by a headline, one paragraph or a credit line; below this
# word-trigram overlap a "copy" would really be a rewrite and count as an independent source.
COPY_MIN_JACCARD = 0.8
# News-style length bounds from the corpus brief.
MIN_WORDS, MAX_WORDS = 120, 350
MIN_PARAGRAPHS, MAX_PARAGRAPHS = 3, 7
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
QUOTE_PATTERN = re.compile(r'"([^"]{30,})"')


def _load_outlets() -> list[dict]:
    with (SAMPLE_DIR / "outlets.toml").open("rb") as fh:
        return tomllib.load(fh)["outlet"]


def _load_articles() -> list[dict]:
    lines = (SAMPLE_DIR / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _shingles(text: str, size: int = 3) -> set[tuple[str, ...]]:
    words = re.findall(r"[\w'$.,-]+", text.lower())
    return {tuple(words[i : i + size]) for i in range(len(words) - size + 1)}


def _jaccard(a: str, b: str) -> float:
    left, right = _shingles(a), _shingles(b)
    return len(left & right) / len(left | right)


@pytest.fixture(scope="module")
def outlets() -> list[dict]:
    return _load_outlets()


@pytest.fixture(scope="module")
def articles() -> list[dict]:
    return _load_articles()


@pytest.fixture(scope="module")
def outlet_by_domain(outlets: list[dict]) -> dict[str, dict]:
    return {outlet["domain"]: outlet for outlet in outlets}


@pytest.fixture(scope="module")
def by_story(articles: list[dict]) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = defaultdict(list)
    for article in articles:
        if article["story"]:
            grouped[article["story"]].append(article)
    return grouped


# --- format ----------------------------------------------------------------------------


def test_files_are_marked_fictional() -> None:
    assert "FICTIONAL SAMPLE DATA" in (SAMPLE_DIR / "README.md").read_text(encoding="utf-8")
    assert "FICTIONAL SAMPLE DATA" in (SAMPLE_DIR / "outlets.toml").read_text(encoding="utf-8")


def test_outlets_are_well_formed(outlets: list[dict]) -> None:
    assert 10 <= len(outlets) <= 14
    domains = [outlet["domain"] for outlet in outlets]
    assert len(set(domains)) == len(domains)
    for outlet in outlets:
        assert outlet["domain"].endswith(".example"), outlet["domain"]
        assert outlet["name"] and outlet["owner"] and len(outlet["country"]) == 2
        assert outlet["kind"] in OUTLET_KINDS, outlet
        assert outlet["feed_format"] in FEED_FORMATS, outlet
        assert outlet["feed_path"].startswith("/"), outlet
    assert {outlet["feed_format"] for outlet in outlets} == FEED_FORMATS
    assert {outlet["kind"] for outlet in outlets} == OUTLET_KINDS


def test_sister_broadcasters_share_one_owner(outlets: list[dict]) -> None:
    owners = Counter(o["owner"] for o in outlets if o["kind"] == "broadcaster")
    owner, count = owners.most_common(1)[0]
    assert count == 3, owners
    others = [o for o in outlets if o["owner"] == owner and o["kind"] != "broadcaster"]
    assert not others


def test_article_fields_and_types(articles: list[dict]) -> None:
    assert 100 <= len(articles) <= 140
    for article in articles:
        for name, kind in ARTICLE_FIELDS.items():
            assert isinstance(article.get(name), kind), (article.get("id"), name)
        for name in NULLABLE_STR_FIELDS:
            assert name in article, (article["id"], name)
            assert article[name] is None or isinstance(article[name], str), (article["id"], name)
        assert article["title"].strip() and article["note"].strip()


def test_ids_are_sequential_in_publication_order(articles: list[dict]) -> None:
    assert [a["id"] for a in articles] == [f"a{i:03d}" for i in range(1, len(articles) + 1)]
    times = [_parse_time(a["published"]) for a in articles]
    assert times == sorted(times)


def test_dates_parse_and_fall_in_window(articles: list[dict]) -> None:
    for article in articles:
        assert article["published"].endswith("Z"), article["id"]
        published = _parse_time(article["published"])
        assert WINDOW_START <= published < WINDOW_END, article["id"]
    days = {_parse_time(a["published"]).date() for a in articles}
    assert len(days) >= 30  # spread over the six weeks, not bunched on a few days


def test_outlets_referenced_exist_and_slugs_unique(
    articles: list[dict], outlet_by_domain: dict[str, dict]
) -> None:
    seen: set[tuple[str, str]] = set()
    for article in articles:
        assert article["outlet"] in outlet_by_domain, article["id"]
        assert SLUG_PATTERN.match(article["slug"]), article["slug"]
        key = (article["outlet"], article["slug"])
        assert key not in seen, key
        seen.add(key)
    used = {a["outlet"] for a in articles}
    assert used == set(outlet_by_domain)


def test_text_shape(articles: list[dict]) -> None:
    for article in articles:
        text = article["text"]
        assert "<script" not in text.lower() and "<script" not in article["title"].lower()
        paragraphs = text.split("\n\n")
        assert MIN_PARAGRAPHS <= len(paragraphs) <= MAX_PARAGRAPHS, article["id"]
        assert all(p.strip() == p and p for p in paragraphs), article["id"]
        assert MIN_WORDS <= len(text.split()) <= MAX_WORDS, article["id"]


def test_credit_and_reprint_source_are_consistent(
    articles: list[dict], outlet_by_domain: dict[str, dict]
) -> None:
    names = {outlet["name"] for outlet in outlet_by_domain.values()}
    for article in articles:
        if article["credit"]:
            assert article["credit"] in article["text"], article["id"]
        if article["reprint_source"]:
            assert article["reprint_source"] in names, article["id"]
            assert article["copy_of"], article["id"]


def test_copies_point_to_earlier_near_identical_articles(articles: list[dict]) -> None:
    by_id = {a["id"]: a for a in articles}
    copies = [a for a in articles if a["copy_of"]]
    assert len(copies) >= 8
    for copy in copies:
        original = by_id[copy["copy_of"]]
        assert original["id"] < copy["id"], copy["id"]
        assert original["copy_of"] is None, copy["id"]  # copies point at the original
        assert original["outlet"] != copy["outlet"], copy["id"]
        assert original["story"] == copy["story"], copy["id"]
        assert _jaccard(original["text"], copy["text"]) >= COPY_MIN_JACCARD, copy["id"]


def test_story_keys_have_several_articles(by_story: dict[str, list[dict]]) -> None:
    singles = [key for key, items in by_story.items() if len(items) < 2]
    assert singles == ["aurora-talon-merger-rumor"]
    developments = [key for key, items in by_story.items() if len(items) >= 3]
    assert len(developments) >= 14


# --- required cases -----------------------------------------------------------------------


def _sister_domains(outlets: list[dict]) -> set[str]:
    owners = Counter(o["owner"] for o in outlets if o["kind"] == "broadcaster")
    owner = owners.most_common(1)[0][0]
    return {o["domain"] for o in outlets if o["owner"] == owner}


def _strip_site_suffix(title: str) -> str:
    return re.split(r"\s+[–|-]\s+(?=[^–|-]*$)", title)[0]


def test_sister_trio_runs_identical_copy(
    outlets: list[dict], by_story: dict[str, list[dict]]
) -> None:
    sisters = _sister_domains(outlets)
    trio_only, trio_plus_independent = [], []
    for key, items in by_story.items():
        on_sisters = [a for a in items if a["outlet"] in sisters]
        if {a["outlet"] for a in on_sisters} != sisters:
            continue
        assert len({a["text"] for a in on_sisters}) == 1, key
        assert len({_strip_site_suffix(a["title"]) for a in on_sisters}) == 1, key
        assert len({a["title"] for a in on_sisters}) == 3, key
        if len(on_sisters) == len(items):
            trio_only.append(key)
        else:
            trio_plus_independent.append(key)
    assert trio_only, "one development must be covered only by the sister trio"
    assert trio_plus_independent, "trio copy must also have an independent report elsewhere"


def test_wire_story_reprinted_with_edits(
    articles: list[dict], outlet_by_domain: dict[str, dict], by_story: dict[str, list[dict]]
) -> None:
    wires = {d: o for d, o in outlet_by_domain.items() if o["kind"] == "wire"}
    by_id = {a["id"]: a for a in articles}
    reprints: dict[str, list[dict]] = defaultdict(list)
    for article in articles:
        original = by_id.get(article["copy_of"] or "")
        if original and original["outlet"] in wires:
            reprints[original["id"]].append(article)
    full_cases = []
    for original_id, copies in reprints.items():
        original = by_id[original_id]
        edited_title = any(c["title"] != original["title"] for c in copies)
        edited_text = any(c["text"] != original["text"] for c in copies)
        independent = [
            a
            for a in by_story[original["story"]]
            if a["copy_of"] is None and a["outlet"] not in wires
        ]
        credited = all(c["reprint_source"] == wires[original["outlet"]]["name"] for c in copies)
        if len(copies) >= 2 and edited_title and edited_text and independent and credited:
            full_cases.append(original_id)
    assert full_cases
    texts = " ".join(c["text"] for copies in reprints.values() for c in copies)
    assert "contributed to this report" in texts


def test_numbers_disagree_between_independent_outlets(by_story: dict[str, list[dict]]) -> None:
    def texts(key: str) -> list[str]:
        return [a["text"] for a in by_story[key] if a["copy_of"] is None]

    isr = texts("tactical-isr-constellation")
    assert any("14 small imaging satellites" in t for t in isr)
    assert any("dozen" in t or "12 satellites" in t for t in isr)
    contract = texts("satcom-contract-award")
    assert any("about $2.5" in t for t in contract) and any("$2.4 billion" in t for t in contract)
    launch = texts("navsat-batch-launch")
    assert any("Nov. 3" in t for t in launch) and any("on Nov. 4" in t for t in launch)


def test_later_article_revises_earlier_figure(articles: list[dict]) -> None:
    revisions = [a for a in articles if "revis" in a["note"].lower()]
    assert revisions
    assert any("revised the count" in a["text"] for a in revisions)


def test_quote_attributed_to_two_speakers(by_story: dict[str, list[dict]]) -> None:
    shared = []
    for items in by_story.values():
        independent = [a for a in items if a["copy_of"] is None]
        seen: dict[str, str] = {}
        for article in independent:
            for quote in QUOTE_PATTERN.findall(article["text"]):
                if quote in seen and seen[quote] != article["outlet"]:
                    shared.append(quote)
                seen.setdefault(quote, article["outlet"])
    assert shared, "one quotation must appear in two independent reports"


def test_single_source_rumour_is_hedged(by_story: dict[str, list[dict]]) -> None:
    rumours = [items[0] for items in by_story.values() if len(items) == 1]
    assert len(rumours) == 1
    text = rumours[0]["text"].lower()
    assert "reportedly" in text and "familiar with the matter" in text
    assert "rumour" in rumours[0]["note"].lower()


def test_story_develops_over_several_days(by_story: dict[str, list[dict]]) -> None:
    developing = []
    for key, items in by_story.items():
        times = [_parse_time(a["published"]) for a in items]
        if len(items) >= 4 and (max(times) - min(times)).days >= 5:
            developing.append(key)
    assert "navsat-batch-launch" in developing


def test_same_kind_events_weeks_apart_are_distinct(by_story: dict[str, list[dict]]) -> None:
    first, second = by_story["satcom-contract-award"], by_story["weather-sat-contract"]
    gap = _parse_time(second[0]["published"]) - _parse_time(first[0]["published"])
    assert gap.days >= 21
    assert any("must not" in a["note"] and "cluster" in a["note"] for a in second)


def test_off_beat_authorless_and_opinion_pieces(articles: list[dict]) -> None:
    off_beat = [a for a in articles if not a["in_beat"]]
    assert 10 <= len(off_beat) <= 15
    assert all(a["story"] is None and a["copy_of"] is None for a in off_beat)
    authorless = [a for a in articles if a["author"] is None]
    assert 3 <= len(authorless) <= 5
    opinion = [a for a in articles if re.search(r"opinion|analysis", a["note"], re.I)]
    assert len(opinion) >= 2
