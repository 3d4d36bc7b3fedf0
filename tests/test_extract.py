"""Extraction from HTML pages written for these tests (tests/fixtures/extract/)."""

from __future__ import annotations

import gzip
import json
import os
from datetime import UTC, datetime, timedelta
from html import escape as html_escape
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from quorum.cli import app
from quorum.desk import Desk
from quorum.extract import (
    MAX_PARSE_BYTES,
    ExtractOptions,
    extract,
    limit_tree,
    parse_date,
    parse_html,
    strip_site_suffix,
)
from quorum.furniture import drop_furniture_lines
from quorum.ingest import Ingestor
from quorum.lang import detect_language, normalise_language_tag
from quorum.records import Extracted

FIXTURES = Path(__file__).parent / "fixtures" / "extract"


def page(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


# --- a news page with furniture all around the story ---------------------------------


def test_news_page_keeps_story_and_drops_furniture() -> None:
    result = extract(page("news_page.html"), "https://www.orbittimes.example/news/otv-lands")
    assert result.text.startswith("The uncrewed orbital test vehicle landed")
    assert "Falcon Heavy rocket later this year" in result.text
    for furniture in (
        "cookies",
        "Home",
        "Related stories",
        "Space Force awards launch",
        "Great article",
        "STARLINER CREW FLIGHT",
        "Click here to get",
        "is a senior reporter",
        "All rights reserved",
        "dataLayer",
    ):
        assert furniture not in result.text, furniture


def test_news_page_paragraphs_are_separated_by_blank_lines() -> None:
    paragraphs = extract(page("news_page.html")).text.split("\n\n")
    assert len(paragraphs) == 4
    assert all(p.strip() == p and "\n" not in p for p in paragraphs)


def test_news_page_metadata() -> None:
    result = extract(page("news_page.html"), "https://www.orbittimes.example/news/otv-lands")
    assert result.title == "Orbital Test Vehicle Lands After Record Mission"  # suffix gone
    assert result.author == "Dana Whitfield"
    assert result.published == datetime(2024, 3, 5, 14, 30, tzinfo=UTC)
    assert result.language == "en"
    assert result.canonical_url == "https://www.orbittimes.example/news/otv-lands"
    assert result.site_name == "Orbit Times"


def test_json_ld_metadata_wins_and_bad_json_ld_is_ignored() -> None:
    result = extract(page("jsonld_page.html"))
    assert result.title == "Satellite Maker Wins $1.3 Billion Missile Tracking Contract"
    assert result.author == "Priya Raman; Tom Okafor"
    assert result.published is not None
    assert result.published.utcoffset() == timedelta(hours=-5)
    assert result.published.astimezone(UTC) == datetime(2024, 2, 27, 14, 15, tzinfo=UTC)
    assert result.site_name == "Defense Wire"
    assert "18 satellites for the tracking layer" in result.text


def test_windows_1252_bytes_are_decoded() -> None:
    data = page("cp1252_page.html")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # the fixture really is not UTF-8
    for variant in (data, data.replace(b"; charset=windows-1252", b"")):
        result = extract(variant)
        assert result.title == "Europe\u2019s Launcher Costs \u20ac4 Billion"
        assert "\u201cWe have no choice but to invest,\u201d" in result.text
        assert "caf\u00e9-style" in result.text


def test_hostile_markup_leaves_no_script_or_style_in_any_field() -> None:
    result = extract(page("hostile.html"))
    assert result.title == "Rocket Test Succeeds"
    assert result.author == "Lee Chang"
    assert result.site_name == "Launch & Range News"
    assert "methane engine" in result.text
    fields = " ".join(str(v) for v in (result.title, result.text, result.author, result.site_name))
    for bad in ("<", "alert", "steal", "INJECTED", "STYLE TEXT", "NOSCRIPT", "javascript"):
        assert bad not in fields, bad


def test_broken_html_with_unclosed_title_still_gives_the_story() -> None:
    result = extract(page("broken.html"))
    assert result.title == "Broken page about a launch"
    assert result.text.startswith("The launch of the weather satellite was scrubbed")
    assert "seventy percent chance" in result.text


@pytest.mark.parametrize(
    "html",
    [
        "",
        b"",
        "   \n ",
        "<html></html>",
        "<html><body></body></html>",
        b"\x00\x00\x00",
        "<<<>>><p",
        "<div>" * 50_000 + "deep" + "</div>" * 50_000,
        "plain text, no markup",
    ],
)
def test_empty_or_junk_input_gives_empty_text_without_raising(html: str | bytes) -> None:
    result = extract(html)
    assert isinstance(result, Extracted)
    assert len(result.text) < 100


def test_random_bytes_do_not_crash() -> None:
    assert isinstance(extract(os.urandom(50_000)), Extracted)


_MARKUP = st.sampled_from(
    [
        "<p>",
        "</p>",
        "<div class='related'>",
        "</div>",
        "<title>",
        "</title>",
        "<script>",
        "</script>",
        "<!--",
        "-->",
        "<meta property='og:title' content='x'>",
        "&amp;",
        "&#0;",
        "<![CDATA[",
        "<table><tr><td>",
        "<a href='/x'>",
        "</a>",
        "\x00",
        "\ufffd",
        "<html lang=''>",
    ]
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(_MARKUP, st.text(max_size=40)), max_size=40))
def test_arbitrary_markup_never_raises(parts: list[str]) -> None:
    html = "".join(parts)
    for page_input in (html, html.encode("utf-8", errors="replace")):
        result = extract(page_input)
        assert isinstance(result, Extracted)
        assert "<script" not in result.title


def test_huge_page_is_capped_and_the_story_survives() -> None:
    story = page("news_page.html").decode("utf-8")
    filler = "<div><p>filler text here</p></div>" * 350_000  # ~12 MB of elements
    huge = story.replace("</body>", filler + "</body>").encode("utf-8")
    assert len(huge) > 10_000_000
    result = extract(huge)
    assert result.title == "Orbital Test Vehicle Lands After Record Mission"
    assert "orbital test vehicle landed" in result.text
    assert "filler" not in result.text


def test_huge_inline_script_is_cut_before_parsing() -> None:
    story = page("news_page.html").decode("utf-8")
    huge = story.replace("<head>", "<head><script>var x='" + "a" * 11_000_000 + "';</script>")
    result = extract(huge)
    assert "a" * 100 not in result.text
    assert len(huge.encode()) > 2 * MAX_PARSE_BYTES


# --- pieces --------------------------------------------------------------------------


def test_bytes_cut_inside_a_character_still_decode() -> None:
    story = page("news_page.html").replace(b"</article>", "\u2013</article>".encode())
    cut = story[: story.rindex(b"\xe2\x80\x93") + 2]  # ends inside the last dash
    assert "orbital test vehicle landed" in extract(cut).text


def test_parse_html_returns_none_for_nothing() -> None:
    assert parse_html("") is None
    assert parse_html(b"   ") is None


def test_limit_tree_keeps_document_order_prefix() -> None:
    tree = parse_html(
        "<html><body>" + "".join(f"<p>p{i}</p>" for i in range(100)) + "</body></html>"
    )
    assert tree is not None
    kept = limit_tree(tree, 20)
    assert kept == 20
    texts = [p.text for p in tree.iter("p")]
    assert texts[0] == "p0" and len(texts) < 20 and sum(1 for _ in tree.iter()) == 20


@pytest.mark.parametrize(
    ("title", "site", "host", "expected"),
    [
        ("Foo \u2013 NBC Chicago", "NBC Chicago", None, "Foo"),
        ("Launch slips again | SpaceNews", None, "spacenews.com", "Launch slips again"),
        ("Defense Wire - Contract awarded", "Defense Wire", None, "Contract awarded"),
        (
            "F-35 deliveries resume - officials",
            "Defense Wire",
            None,
            "F-35 deliveries resume - officials",
        ),
        ("No separator here", "Orbit Times", None, "No separator here"),
    ],
)
def test_strip_site_suffix(title: str, site: str | None, host: str | None, expected: str) -> None:
    assert strip_site_suffix(title, site, host) == expected


def test_parse_date_bounds_and_time_zones() -> None:
    assert parse_date("2024-03-05T14:30:00Z") == datetime(2024, 3, 5, 14, 30, tzinfo=UTC)
    assert parse_date("2024-03-05") == datetime(2024, 3, 5, tzinfo=UTC)  # naive -> UTC
    future = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    assert parse_date(future) is None
    assert parse_date("1970-01-01T00:00:00Z") is None
    assert parse_date("not a date at all") is None
    assert parse_date("") is None and parse_date(None) is None
    assert parse_date(["2024-01-02"]) == datetime(2024, 1, 2, tzinfo=UTC)


def test_future_date_in_page_is_not_used() -> None:
    html = page("news_page.html").replace(b"2024-03-05T14:30:00Z", b"2099-01-01T00:00:00Z")
    result = extract(html)
    assert result.published is None or result.published <= datetime.now(UTC) + timedelta(days=1)


def test_options_switch_steps_off() -> None:
    raw = ExtractOptions(
        prune_boilerplate=False,
        drop_link_only=False,
        drop_headline=False,
        drop_boilerplate_lines=False,
        drop_author_bio=False,
    )
    text = extract(page("news_page.html"), options=raw).text
    assert "is a senior reporter" in text
    assert "is a senior reporter" not in extract(page("news_page.html")).text


# --- language ------------------------------------------------------------------------


def test_detect_language() -> None:
    english = "The satellite was launched on Tuesday and it is expected to reach its orbit."
    german = "Der Satellit wurde am Dienstag gestartet und soll nach dem Start in die Umlaufbahn."
    french = "Le satellite a été lancé mardi et il doit rejoindre son orbite dans les jours qui."
    assert detect_language(english) == "en"
    assert detect_language(german) == "de"
    assert detect_language(french) == "fr"
    assert detect_language("Спутник был запущен во вторник и он должен выйти на орбиту.") == "ru"
    assert detect_language("防卫省は火曜日にミサイル防衛の新しい計画を発表した。") == "ja"
    assert detect_language("too short") is None
    assert detect_language("") is None


def test_declared_language_is_the_fallback_for_short_text() -> None:
    html = '<html lang="de-DE"><head><title>Kurz</title></head><body><p>Kurz.</p></body></html>'
    assert extract(html).language == "de"
    assert normalise_language_tag("en_GB") == "en"
    assert normalise_language_tag("not a tag!") is None


# --- quorum extract ------------------------------------------------------------------


def test_cli_extract_prints_json_lines_and_reports_unreadable(tmp_path: Path) -> None:
    gz = tmp_path / "page.html.gz"
    gz.write_bytes(gzip.compress(page("jsonld_page.html")))
    bad_gz = tmp_path / "bad.html.gz"
    bad_gz.write_bytes(b"\x1f\x8b\x08\x00 truncated")
    files = [str(FIXTURES / "news_page.html"), str(tmp_path / "missing.html"), str(bad_gz), str(gz)]
    result = CliRunner().invoke(app, ["extract", *files])
    assert result.exit_code == 1
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["path"] for line in lines] == [files[0], files[3]]
    assert set(lines[0]) == {"path", "title", "text", "date", "author", "language"}
    assert lines[0]["date"] == "2024-03-05T14:30:00+00:00"
    assert lines[1]["title"].startswith("Satellite Maker Wins")
    assert "missing.html" in result.stderr and "bad.html.gz" in result.stderr


def test_cli_extract_exit_zero_when_all_readable() -> None:
    result = CliRunner().invoke(app, ["extract", str(FIXTURES / "hostile.html")])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["title"] == "Rocket Test Succeeds"


# --- page furniture: one cleaner for page text and dump text ---------------------------

STORY = [
    "The spaceplane landed at the Shuttle Landing Facility early on Tuesday after 908 days "
    "in orbit, the Space Force said in a statement.",
    "Officials said the copyright on the mission patch belongs to the crew, and the image "
    "caption contest drew 4,000 entries from schoolchildren.",
    "The vehicle will fly again next year (RELATED: Space Force picks a new launch site).",
]
FURNITURE = [
    "Story Continued Below",
    "Copyright © 2019 The Orbit Times, LLC. Click here for reprint permission.",
    "Image copyright Reuters Image caption The runway at dawn before the landing",
    "Media playback is unsupported on your device Media caption Officials describe the "
    "landing and what the vehicle carried on its sixth flight",
    "Q&A What is a spaceplane? Show Hide A spaceplane is a vehicle that flies in orbit and "
    "lands on a runway like an aircraft, which lets it be used again and again.",
    "Enlarge this image toggle caption Jane Roe/AP Jane Roe/AP",
    "Sign up for Daily Newsletters Manage Newsletters",
    "JUST WATCHED Spaceplane lands Replay More Videos ... MUST WATCH Spaceplane lands 02:14",
    "Launch crews prepare the pad on Monday. (AP Photo/Jane Roe)",
]


def test_drop_furniture_lines_removes_furniture_and_keeps_prose() -> None:
    text = "\n\n".join([STORY[0], *FURNITURE[:5], STORY[1], *FURNITURE[5:], STORY[2]])
    cleaned = drop_furniture_lines(text)
    for line in FURNITURE:
        assert line not in cleaned
    assert "Show Hide" not in cleaned and "Story Continued" not in cleaned
    assert STORY[0] in cleaned and STORY[1] in cleaned  # words like "caption" inside prose stay
    assert "The vehicle will fly again next year." in cleaned  # the teaser span is cut out
    assert cleaned.split("\n\n") == [STORY[0], STORY[1], "The vehicle will fly again next year."]


def test_furniture_lines_are_cleaned_from_extracted_page_text() -> None:
    body = "".join(f"<p>{html_escape(p)}</p>" for p in [STORY[0], *FURNITURE, STORY[1]])
    html = f"<html><head><title>Spaceplane lands</title></head><body><article>{body}</article>"
    text = extract(html, "https://www.orbittimes.example/news/spaceplane").text
    assert STORY[0] in text and STORY[1] in text
    for marker in (
        "Story Continued Below",
        "Copyright ©",
        "Image caption",
        "Show Hide",
        "Media playback",
        "toggle caption",
        "JUST WATCHED",
        "AP Photo",
    ):
        assert marker not in text, marker


def test_dump_text_is_cleaned_at_ingest(db_url: str, tmp_path: Path) -> None:
    dump = tmp_path / "dump.jsonl"
    text = "\n".join([STORY[0], FURNITURE[0], STORY[1], FURNITURE[1]])
    row = {
        "id": "d1",
        "title": "Spaceplane lands",
        "text": text,
        "date": "2026-11-01",
        "url": "https://spacenews.com/spaceplane-lands/",
    }
    furniture_only = {
        "id": "d2",
        "title": "Nothing",
        "text": FURNITURE[0],
        "url": "https://spacenews.com/nothing/",
    }
    dump.write_text(json.dumps(row) + "\n" + json.dumps(furniture_only) + "\n")
    with Desk.open(db_url, None) as desk:
        report = Ingestor(desk.store, desk.config, desk.registry, desk.beat).ingest_jsonl(dump)
        stored = {a.source_id: a for a in desk.store.articles()}
    assert stored["d1"].text == f"{STORY[0]}\n{STORY[1]}"
    assert "d2" not in stored and report.reasons["missing_text"] == 1
