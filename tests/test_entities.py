"""Entities: gazetteer aliases, beat types, spans, case rules and the classical tagger."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quorum.enrich.entities import (
    CONLL_TYPE,
    EntityRecognizer,
    Gazetteer,
    PerceptronTagger,
    bio_to_spans,
    fix_bio,
    parse_gazetteer,
    tokenize,
)

FIXTURES = Path(__file__).parent / "fixtures" / "enrich"
ARTICLE = (FIXTURES / "article.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer.load()


@pytest.fixture(scope="module")
def recognizer() -> EntityRecognizer:
    return EntityRecognizer.load(path="classical")


def test_shipped_gazetteer_is_large_typed_and_unambiguous(gazetteer):
    assert len(gazetteer.entities) >= 300
    assert {e.type for e in gazetteer.entities} == set(CONLL_TYPE)
    owners: dict[str, str] = {}
    for entity in gazetteer.entities:
        for alias in (entity.name, *entity.aliases):
            assert owners.setdefault(alias.lower(), entity.name) == entity.name, alias


def test_aliases_resolve_to_one_canonical_entity(gazetteer):
    text = "The Pentagon, the Department of Defense, DoD and the Defense Department agree."
    hits = gazetteer.find(text)
    assert [h.entity.name for h in hits] == ["Department of Defense"] * 4
    assert [text[h.start : h.end] for h in hits] == [
        "Pentagon",
        "Department of Defense",
        "DoD",
        "Defense Department",
    ]
    ula = gazetteer.find("ULA and United Launch Alliance")
    assert {h.entity.name for h in ula} == {"United Launch Alliance"}
    assert {h.entity.name for h in gazetteer.find("USSF, Space Force")} == {"U.S. Space Force"}


def test_longest_match_and_word_boundaries(gazetteer):
    hits = gazetteer.find("A Falcon Heavy and the U.S. Space Force; SDAX is no agency.")
    names = [(h.entity.name, h.entity.type) for h in hits]
    assert ("Falcon Heavy", "LAUNCH_VEHICLE") in names
    assert ("U.S. Space Force", "SERVICE") in names
    assert ("United States", "LOC") not in names  # "U.S." inside the longer name
    assert all(h.entity.name != "Space Development Agency" for h in hits)


def test_case_rules_keep_common_words_out(gazetteer):
    assert gazetteer.find("the space force of the wind; the ula") == []
    assert gazetteer.find("Sda said") == []  # acronyms match only in their own case
    assert [h.entity.name for h in gazetteer.find("SPACE FORCE CHIEF")] == ["U.S. Space Force"]


def test_bad_gazetteer_rows_are_skipped_not_fatal():
    entities = parse_gazetteer('[WIDGET]\n"X" = []\n[AGENCY]\n"NASA" = ["N"]\n"Bad" = 3\n')
    assert [e.name for e in entities] == ["NASA"]
    with pytest.raises(ValueError, match="not valid TOML"):
        parse_gazetteer("[AGENCY\n")


def test_find_gives_exact_spans_and_beat_types(recognizer):
    mentions = recognizer.find(ARTICLE, article_id=7)
    for m in mentions:
        assert ARTICLE[m.span.start : m.span.end] == m.span.text
        assert m.span.article_id == 7
    by_name = {m.entity.name: m.entity.type for m in mentions}
    assert by_name["Department of Defense"] == "AGENCY"
    assert by_name["U.S. Space Force"] == "SERVICE"
    assert by_name["GPS III"] == "SPACECRAFT"
    assert by_name["Lockheed Martin"] == "COMPANY"
    assert by_name["Falcon 9"] == "LAUNCH_VEHICLE"
    assert by_name["United Launch Alliance"] == "COMPANY"
    assert by_name["SDA Tranche 2"] == "PROGRAM"
    dod = {m.span.text for m in mentions if m.entity.name == "Department of Defense"}
    assert dod == {"Pentagon", "Defense Department", "DoD"}


def test_model_finds_unknown_people_and_links_surnames(recognizer):
    text = "Maria Keller, a NASA engineer, spoke in Houston. Keller said the test went well."
    people = [m for m in recognizer.find(text, article_id=1) if m.entity.type == "PER"]
    assert [m.span.text for m in people] == ["Maria Keller", "Keller"]
    assert people[0].source == "model"
    assert people[1].entity == people[0].entity


def test_surname_links_to_a_gazetteer_person(recognizer):
    mentions = recognizer.find(ARTICLE, article_id=7)
    saltzman = [m for m in mentions if m.entity.name == "Chance Saltzman"]
    assert {m.span.text for m in saltzman} == {"Chance Saltzman", "Saltzman"}


def test_gazetteer_path_has_no_model():
    recognizer = EntityRecognizer.load(path="gazetteer")
    assert recognizer.model is None
    mentions = recognizer.find("Maria Keller met NASA officials.")
    assert [m.entity.name for m in mentions] == ["NASA"]


def test_unknown_path_is_a_clear_error():
    with pytest.raises(ValueError, match="ner_model"):
        EntityRecognizer.load(path="bert")


def test_tagger_tags_a_plain_news_sentence():
    tagger = PerceptronTagger.load()
    words = "Officials said John Smith visited Paris on Monday .".split()
    spans = {(s.start, s.end, s.label) for s in bio_to_spans(tagger.tag(words))}
    assert spans == {(2, 4, "PER"), (5, 6, "LOC")}


def test_tag_tokens_folds_beat_types_into_conll(recognizer):
    words = ["The", "Pentagon", "bought", "a", "Falcon", "9", "launch", "."]
    tags = recognizer.tag_tokens(words)
    assert tags[1] == "B-ORG"
    assert tags[4:6] == ["B-MISC", "I-MISC"]


def test_bio_helpers():
    assert fix_bio(["O", "I-PER", "I-PER", "I-LOC"]) == ["O", "B-PER", "I-PER", "B-LOC"]
    spans = bio_to_spans(["B-PER", "I-PER", "O", "B-LOC", "B-LOC"])
    assert [(s.start, s.end, s.label) for s in spans] == [
        (0, 2, "PER"),
        (3, 4, "LOC"),
        (4, 5, "LOC"),
    ]


def test_tokenize_keeps_offsets_and_initialisms():
    text = "Gen. Smith met U.S. officials at NASA's HQ."
    tokens = tokenize(text)
    assert [t.text for t in tokens][:5] == ["Gen.", "Smith", "met", "U.S.", "officials"]
    assert all(text[t.start : t.end] == t.text for t in tokens)


def test_empty_text(recognizer):
    assert recognizer.find("", article_id=1) == []


def test_load_follows_the_ner_model_setting():
    from quorum.settings import Config

    assert Config().ner_model == "classical"  # it beat spaCy on CoNLL validation
    assert EntityRecognizer.load(Config()).path == "classical"
    recognizer = EntityRecognizer.load(Config({"ner_model": "gazetteer"}))
    assert recognizer.path == "gazetteer" and recognizer.model is None
    auto = EntityRecognizer.load(Config({"ner_model": "auto"}))
    assert auto.path in ("spacy", "classical")  # spaCy only when the `ner` extra is installed


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab NASAİıUSLFaorce.'-9\n")), max_size=60))
def test_find_spans_are_exact_and_disjoint_on_any_text(recognizer, text):
    mentions = recognizer.find(text, article_id=0)
    previous_end = -1
    for m in mentions:
        assert text[m.span.start : m.span.end] == m.span.text
        assert m.span.start >= previous_end
        previous_end = m.span.end


# --- canonical names on real-news shapes (issue 15) ------------------------------------


def _model_names(recognizer, text):
    return {m.entity.name for m in recognizer.find(text, article_id=1) if m.source == "model"}


def test_page_furniture_and_openers_never_become_names(recognizer):
    text = (
        "Hide Caption 1 of 25 Photos: Russian plane crashes in Egypt.\n"
        "Click here for reprint permission.\n"
        "JUST WATCHED BBC in hot seat Replay More Videos ... MUST WATCH BBC in hot seat\n"
        "Sign up for Daily Newsletters Manage Newsletters\n"
        "Why does it matter? Or was he simply used? Social Media is a mess."
    )
    names = _model_names(recognizer, text)
    for furniture in ("Hide Caption", "Photos", "Click", "Videos", "Replay", "Why", "Or"):
        assert furniture not in names
    assert not any("Newsletters" in n or "Media" in n for n in names)


def test_titles_are_cut_from_people(recognizer):
    mentions = recognizer.find("Rear Adm. John Kirby said the target was hit.", article_id=1)
    people = [m for m in mentions if m.entity.type == "PER"]
    assert [m.span.text for m in people] == ["John Kirby"]
    assert not any(m.span.text.startswith("Rear") for m in mentions)


def test_a_lone_surname_links_whatever_its_place_in_the_article(recognizer):
    text = "Keller spoke first. Later, Maria Keller, a NASA engineer, spoke in Houston."
    people = [m for m in recognizer.find(text, article_id=1) if m.entity.type == "PER"]
    assert {m.entity.name for m in people} == {"Maria Keller"}
    assert len(people) == 2


def test_us_is_the_country_whatever_type_the_model_guessed(recognizer):
    text = "Trump's decision strains longstanding US alliances in the region."
    us = [m for m in recognizer.find(text, article_id=1) if m.span.text == "US"]
    assert [(m.entity.name, m.entity.type) for m in us] == [("United States", "LOC")]


def test_spelling_variants_of_a_gazetteer_acronym_match(gazetteer):
    hits = gazetteer.find("The Nato summit, then NATO again.")
    assert [h.entity.name for h in hits] == ["NATO", "NATO"]


def _hit(name, etype, start, source="model"):
    from quorum.enrich.entities import Hit
    from quorum.records import Entity

    return Hit(Entity(name, etype), start, start + len(name), source)


def _canonical(text, hits, gazetteer):
    from quorum.enrich.entity_names import NameRules, canonicalise

    return canonicalise(text, hits, NameRules.load(), gazetteer.lookup)


def test_case_variants_become_one_name(gazetteer):
    text = "CORWIN WINS AGAIN. Corwin said on Monday that Corwin would stay."
    hits = [_hit("CORWIN", "PER", 0), _hit("Corwin", "PER", 19), _hit("Corwin", "ORG", 47)]
    out = _canonical(text, hits, gazetteer)
    assert {(h.entity.name, h.entity.type) for h in out} == {("Corwin", "PER")}


def test_a_bare_service_name_is_the_us_one_unless_another_name_owns_it(gazetteer):
    text = "Navy ships sailed. The Chinese Navy watched."
    out = _canonical(text, [_hit("Navy", "ORG", 0), _hit("Navy", "ORG", 31)], gazetteer)
    assert out[0].entity.name == "U.S. Navy" and out[0].entity.type == "SERVICE"
    assert out[1].entity.name == "Navy"


def test_us_prefixed_and_bare_forms_of_one_model_name_merge(gazetteer):
    text = "The U.S. Treasury acted. Treasury officials said so."
    out = _canonical(
        text, [_hit("U.S. Treasury", "ORG", 4), _hit("Treasury", "ORG", 25)], gazetteer
    )
    assert [h.entity.name for h in out] == ["U.S. Treasury", "U.S. Treasury"]


def test_the_article_votes_one_type_per_name(gazetteer):
    text = "Haddad said. Haddad added. Haddad left."
    hits = [_hit("Haddad", "PER", 0), _hit("Haddad", "LOC", 13), _hit("Haddad", "PER", 27)]
    assert {h.entity.type for h in _canonical(text, hits, gazetteer)} == {"PER"}


def test_no_gazetteer_name_is_on_the_never_lists(gazetteer):
    from quorum.enrich.entity_names import NameRules

    rules = NameRules.load()
    for entity in gazetteer.entities:
        for alias in (entity.name, *entity.aliases):
            assert alias.lower().rstrip(".") not in rules.never, alias


def test_real_news_entity_labels_hold_verdicts_only():
    from importlib import resources

    path = resources.files("quorum") / "data" / "labels" / "realnews-entities.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    keys = {"article_id", "start", "surface", "name", "type", "verdict", "version"}
    assert all(set(r) == keys and r["verdict"] in ("right", "wrong") for r in rows)
    versions = ("before", "rules", "after")
    by_version = {v: [r for r in rows if r["version"] == v] for v in versions}
    assert [len(v) for v in by_version.values()] == [300, 300, 300]
    wrong = {v: sum(r["verdict"] == "wrong" for r in rs) for v, rs in by_version.items()}
    assert wrong["after"] < wrong["before"] and wrong["rules"] < wrong["before"]


def test_shipped_tagger_reads_capitals_against_its_lower_case_lexicon():
    from quorum.enrich.entities import token_features

    tagger = PerceptronTagger.load()
    assert tagger.lowercase and "police" in tagger.lowercase
    words = ["Police", "said", "Corwin", "left", "."]
    assert "first|lc" in token_features(words, 0, False, None, tagger.lowercase)
    assert "mid|nolc" in token_features(words, 2, False, None, tagger.lowercase)
    assert not any(f.startswith("cap|") for f in token_features(words, 0, False))
