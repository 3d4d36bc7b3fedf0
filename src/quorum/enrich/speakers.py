"""Who said a quotation: the speaker a quote is credited to, found the way a reader finds it.

1. The quote's own sentence: "..., said Smith", "..., Smith, 78, told reporters", "Smith
   warned: ...", "Smith said the plan would 'fail'".
2. A pronoun or a description points back: "he said" is the person named just before;
   "the Wisconsin Republican said" is Paul Ryan when Ryan was named; "the president said"
   is President Obama when the text gave him that title, else the role itself.
3. A quote with no attribution of its own continues the quote before it in the same
   paragraph ('"...," she said. "..."'), or follows a paragraph ending "Smith said:".
4. Otherwise the quote is unattributed.

Page furniture ("Story Continued Below", "Advertisement") is never part of a name. Word
lists are data (``quorum/data/speakers.toml``).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

# A capitalised word of a name; a trailing full stop only on initials and courtesy titles.
_TITLE_ABBR = (
    r"(?:Gen|Lt|Col|Adm|Maj|Capt|Sgt|Rep|Sen|Dr|Mr|Ms|Mrs|Gov|St|Jr|Prof|Rev|Amb|Cmdr|Brig|"
    r"Pres|Sec|Gens?)\."
)
_TOK = rf"(?:{_TITLE_ABBR}|(?:[A-Z]\.){{1,3}}|[A-Z][\w'’&-]*)"
_JOIN = r"(?:of|de|da|del|della|di|du|la|le|van|von|der|bin|ibn|al|el)"
_NAME = rf"{_TOK}(?:\s+(?:{_JOIN}\s+)?{_TOK}){{0,5}}"
_NAME_RE = re.compile(_NAME)
_PRONOUNS = frozenset("he she they it we i".split())
_DETERMINERS = frozenset(
    "a an the one another two three several some many its his her their".split()
)
# Title abbreviations and the role nouns they stand for ("Sen. Graham" ... "the senator").
_ABBR_ROLE = {
    "sen.": "senator",
    "rep.": "representative",
    "gov.": "governor",
    "gen.": "general",
    "pres.": "president",
    "sec.": "secretary",
    "amb.": "ambassador",
    "col.": "colonel",
    "capt.": "captain",
}
_WINDOW = 220  # characters either side of a quote searched for its attribution
_RECENT = 1500  # how far back a pronoun or description may point (about three paragraphs)


@dataclass(frozen=True, slots=True)
class SpeakerVocab:
    """The word lists of speakers.toml, compiled once."""

    verb: str  # regex alternation of speech verbs
    adverb: str
    participle: str
    roles: frozenset[str]
    anaphoric: frozenset[str]
    not_names: frozenset[str]
    female: frozenset[str]
    male: frozenset[str]
    anonymous_marks: tuple[str, ...]
    body_words: frozenset[str]
    body_anaphoric: frozenset[str]
    title_cue: re.Pattern


def _alternation(words) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


@cache
def load_speaker_vocab() -> SpeakerVocab:
    """The packaged lists (read once: immutable data, not per-document state)."""
    raw = tomllib.loads(
        (resources.files("quorum") / "data" / "speakers.toml").read_text(encoding="utf-8")
    )
    return SpeakerVocab(
        verb=_alternation(raw["verbs"]),
        adverb=_alternation(raw["adverbs"]),
        participle=_alternation(raw["participles"]),
        roles=frozenset(r.lower() for r in raw["roles"]),
        anaphoric=frozenset(r.lower() for r in raw["anaphoric"]),
        not_names=frozenset(raw["not_names"]),
        female=frozenset(raw["female_titles"]),
        male=frozenset(raw["male_titles"]),
        anonymous_marks=tuple(m.lower() for m in raw["anonymous_marks"]),
        body_words=frozenset(raw["body_words"]),
        body_anaphoric=frozenset(w.lower() for w in raw["body_anaphoric"]),
        title_cue=re.compile(rf"\b(?:{_alternation(raw['title_cues'])})[,:]?\s*$", re.IGNORECASE),
    )


@dataclass(frozen=True, slots=True)
class Attribution:
    """Who a quote is credited to and how that was found.

    ``how``: named | pronoun | description | role | continued | none. ``start``/``end``
    cover the quote and its attribution.
    """

    speaker: str | None
    start: int
    end: int
    how: str = "none"
    anonymous: bool = False


@dataclass(frozen=True, slots=True)
class _Mention:
    """A named person or body seen before a quote: a candidate for "he" or "the senator"."""

    name: str
    at: int
    context: str  # lower-cased words around the name (titles, appositives)
    person: bool | None = None  # True: titled or gendered; False: a body; None: unknown


# --- reading one candidate speaker ---------------------------------------------------------


def _strip_furniture(
    tokens: list[str], vocab: SpeakerVocab, keep_determiner: bool = False
) -> list[str]:
    while tokens and (tokens[0].strip(".,") in vocab.not_names or tokens[0].lower() == "and"):
        if keep_determiner and tokens[0].lower() in _DETERMINERS:
            break
        tokens = tokens[1:]
    return tokens


def _name_run(text: str, vocab: SpeakerVocab) -> str | None:
    """The last run of capitalised words in ``text`` that is a name, or None."""
    runs = [m for m in _NAME_RE.finditer(text)]
    for m in reversed(runs):
        tokens = _strip_furniture(m.group(0).split(), vocab)
        tokens = [
            t for t in tokens if t.strip(".,") not in vocab.not_names or re.match(_TITLE_ABBR, t)
        ]
        if not tokens:
            continue
        name = " ".join(tokens)
        name = re.split(r"[’']s\s+", name)[-1]  # "Connecticut's Jane Roe" -> "Jane Roe"
        # "Rep. Eliot Engel of New York": a person's name ends before "of <place>", but
        # "Secretary of State John Kerry" keeps its title.
        head, sep, _tail = name.partition(" of ")
        if sep and len(head.split()) >= 2 and head.split()[-1].lower() not in vocab.roles:
            name = head
        name = re.sub(r"[’']s$", "", name)
        if name.endswith(".") and not re.search(rf"(?:\b[A-Z]\.|{_TITLE_ABBR})$", name):
            name = name[:-1]
        if (
            (len(tokens) == 1 and name.endswith("ing"))  # "Addressing reporters, he said"
            or re.fullmatch(rf"{_TITLE_ABBR}", name)
            or name.lower() in vocab.roles
            or name in vocab.not_names
        ):
            continue  # "Sen." or "President" alone names nobody
        return name
    return None


def _description(tokens: list[str], vocab: SpeakerVocab) -> str | None:
    """'a company spokesperson in an email' -> 'a company spokesperson' (through the role
    noun, and a following 'for/of/at <Name>'), or None without a role noun."""
    lowered = [t.lower().strip(".,;:") for t in tokens]
    for i in range(1, len(tokens)):
        two = " ".join(lowered[i - 1 : i + 1])
        if lowered[i] in vocab.roles or two in vocab.roles:
            end = i + 1
            while end < len(tokens) and lowered[end] in vocab.roles:
                end += 1  # "a ministry source", "an airport security source"
            if end + 1 < len(tokens) and lowered[end] in ("for", "of", "at", "with", "to"):
                rest = _NAME_RE.match(" ".join(tokens[end + 1 :]).removeprefix("the "))
                if rest:
                    end = end + 1 + len(rest.group(0).split()) + (tokens[end + 1] == "the")
            return " ".join(tokens[:end]).rstrip(".,;:")
    return None


@dataclass(frozen=True, slots=True)
class _Who:
    kind: str  # name | pronoun | description
    text: str


def read_who(who: str, vocab: SpeakerVocab | None = None) -> _Who | None:
    """Classify the words standing where a speaker stands ("he", "the president",
    "White House press secretary Josh Earnest")."""
    vocab = vocab or load_speaker_vocab()
    tokens = who.split()
    if len(tokens) == 1 and tokens[0].lower() in _PRONOUNS:
        return _Who("pronoun", tokens[0].lower())
    tokens = _strip_furniture(tokens, vocab, keep_determiner=True)
    if not tokens:
        return None
    if len(tokens) == 1 and tokens[0].lower() in _PRONOUNS:
        return _Who("pronoun", tokens[0].lower())  # "Story Continued Below He"
    first = tokens[0].lower().strip(".,")
    if first in _DETERMINERS:
        last = tokens[-1].lower().strip(".,")
        if first == "the" and len(tokens) > 1 and last not in vocab.roles:
            if all(t[:1].isupper() for t in tokens[1:]):
                name = _name_run(" ".join(tokens[1:]), vocab)
                if name:
                    return _Who("name", name)  # "the Pentagon", "the State Department"
        described = _description(tokens, vocab)
        if described and len(described.split()) < len(tokens):
            following = tokens[len(described.split())]
            if following[:1].isupper() and described.split()[-1][:1].isupper():
                described = None  # "a tweet President Donald Trump": a title, then a name
        if described:
            return _Who("description", described)
        name = _name_run(" ".join(tokens), vocab)  # "the University of Connecticut's Jane Roe"
        return _Who("name", name) if name else None
    if tokens[0][:1].isupper():
        return _Who("name", n) if (n := _name_run(" ".join(tokens), vocab)) else None
    # lower-case role words before a name: "press secretary Josh Earnest"
    name = _name_run(" ".join(tokens), vocab)
    if name and re.search(rf"{re.escape(name.split()[0])}", " ".join(tokens)):
        return _Who("name", name)
    return None


# --- the article ----------------------------------------------------------------------------


class QuoteAttributor:
    """Credits the quotes of one article, in order (it remembers earlier speakers)."""

    def __init__(self, text: str, vocab: SpeakerVocab | None = None) -> None:
        self.text = text
        self.vocab = vocab or load_speaker_vocab()
        v = self.vocab
        who = r"[\w.'’-]+(?:\s+[\w.'’-]+){0,7}?"
        appos = r"(?:\s*,[^,\"“”\n]{1,90},)?"  # "McCain, 78, said"
        adv = rf"(?:\s+(?:{v.adverb}))*"
        self._after_verb_first = re.compile(
            rf"\s*[,—–-]*\s*(?:{v.verb})\s+(?P<who>[\w.'’-]+(?:\s+[\w.'’-]+){{0,7}})"
        )
        self._after_who_first = re.compile(
            rf"\s*[,—–-]*\s*(?P<who>{who}){appos}{adv}\s+(?:{v.verb})\b"
        )
        self._comma_verb = re.compile(
            rf",\s*(?:{v.verb})\s+(?P<who>[\w.'’-]+(?:\s+[\w.'’-]+){{0,7}})"
        )
        self._before = re.compile(
            rf"(?P<who>(?:(?:the|an?|one)\s+)?(?:[\w.'’-]+\s+){{0,5}}?[\w.'’-]+){appos}{adv}\s+"
            rf"(?:{v.verb})\b(?P<tail>[^\"“”\n]{{0,160}})$"
        )
        self._participle = re.compile(
            rf"(?:^|,\s+)\W*(?:(?:But|And|Still|Yet|So|Then|Later)\s+)?"
            rf"(?P<who>(?:[Tt]he\s+[a-z]+)|{_NAME}|[Hh]e|[Ss]he|They)"
            rf"\s+[a-z][^,\"“”\n]{{0,120}}?,\s*(?:{v.participle})\b[^\"“”\n]{{0,120}}$"
        )
        self._subject = re.compile(rf"(?P<who>{_NAME}){appos}{adv}\s+(?:{v.verb})\b")
        # a name set off by commas before its verb: "Treasury's director, Helena Marchetti,
        # said in a briefing" (not "a fund manager from Stratford-upon-Avon, said")
        self._set_off = re.compile(rf"(?<=,\s)(?P<who>{_NAME}),{adv}\s+(?:{v.verb})\b")
        # A name opening a sentence and doing something: "Khaled Meshal, Hamas's top
        # leader, thanked Iran ..." (then "he said" is Meshal).
        self._opener = re.compile(
            rf"(?:^|(?<=[.!?]\s)|(?<=\n))(?P<who>{_NAME}){appos}{adv}\s+[a-z]", re.MULTILINE
        )
        self._according = re.compile(
            r"\baccording to\s+(?P<who>[\w.'’-]+(?:\s+[\w.'’-]+){0,6}?)\s*[,:]?\s*$"
        )
        self._titled = re.compile(
            rf"(?:{_TITLE_ABBR}|(?:President|Secretary|Minister|Senator|Sen\.|Rep\.|General|"
            rf"Ambassador|Governor|Speaker|Chairman|Director|Spokesman|Spokeswoman)\s)"
            rf"\s*{_NAME}"
        )
        self.mentions = self._collect_mentions()
        self._previous: list[tuple[int, int, Attribution]] = []  # (quote start, end, result)

    # -- candidates for pronouns and descriptions --

    def _collect_mentions(self) -> list[_Mention]:
        found: dict[int, _Mention] = {}
        for pattern in (self._opener, self._subject, self._set_off, self._titled):
            for m in pattern.finditer(self.text):
                span = m.span("who") if "who" in pattern.groupindex else m.span()
                name = _name_run(self.text[span[0] : span[1]], self.vocab)
                if not name or (pattern is self._opener and len(name.split()) < 2):
                    continue  # "Despite his ...": one capitalised opener is no name
                context = self.text[max(0, span[0] - 60) : span[1] + 80].lower()
                found[span[0]] = _Mention(name, span[0], context, self._is_person(name, m))
        return sorted(found.values(), key=lambda m: m.at)

    def _is_person(self, name: str, match: re.Match | None = None) -> bool | None:
        words = name.replace(".", ". ").split()
        if any(w.strip(".,") in self.vocab.body_words for w in words):
            return False
        if re.fullmatch(r"(?:[A-Z]\.?){2,6}", name):
            return False  # "NASA", "U.N."
        titled = match is not None and match.re is self._titled

        if titled or re.match(_TITLE_ABBR, name) or words[0] in self.vocab.female:
            return True
        return None

    def _add_mention(self, name: str, at: int) -> None:
        context = self.text[max(0, at - 60) : at + 120].lower()
        self.mentions.append(_Mention(name, at, context, self._is_person(name)))
        self.mentions.sort(key=lambda m: m.at)

    def _gender_fits(self, name: str, pronoun: str) -> bool:
        first = name.split()[0]
        if pronoun == "he":
            return first not in self.vocab.female
        if pronoun == "she":
            return first not in self.vocab.male
        return True

    def _recent(self, before: int, pronoun: str = "", body: bool = False) -> str | None:
        """The latest mention before ``before`` that ``pronoun`` (or a description of a
        person, or of a body when ``body``) can point back to."""
        for m in reversed(self.mentions):
            if m.at >= before:
                continue
            if before - m.at > _RECENT:
                return None
            if m.name.split()[0].lower() in _PRONOUNS:
                continue
            if body:
                if m.person is not True:
                    return m.name
                continue
            if m.person is False and pronoun != "it":
                continue
            if pronoun in ("he", "she") and not self._gender_fits(m.name, pronoun):
                continue
            return m.name
        return None

    def _titled_as(self, role: str, before: int) -> str | None:
        """The latest person given ``role`` as a title: "President Obama" for "president"."""
        for m in reversed(self.mentions):
            if m.at >= before or before - m.at > 4 * _RECENT:
                continue
            words = set(re.findall(r"[\w.]+", m.context))
            roles = words | {_ABBR_ROLE[w] for w in words if w in _ABBR_ROLE}
            if role in roles:
                return m.name
        return None

    # -- one quote --

    def _resolve(self, who: _Who, q_start: int) -> tuple[str | None, str]:
        if who.kind == "name":
            return who.text, "named"
        if who.kind == "pronoun":
            if who.text in ("we", "i"):
                return None, "none"
            return self._recent(q_start, who.text), "pronoun"
        words = who.text.lower().split()
        if words[0] == "the":
            role = next((w for w in reversed(words) if w in self.vocab.roles), words[-1])
            if role in self.vocab.body_anaphoric:
                named = self._recent(q_start, body=True)
            else:
                named = self._titled_as(role, q_start)
            if (
                named is None
                and role not in self.vocab.body_anaphoric
                and any(w in self.vocab.anaphoric for w in words[1:])
            ):
                if role not in ("president", "secretary", "minister", "official"):
                    named = self._recent(q_start)
            if named:
                return named, "description"
        return who.text[:1].lower() + who.text[1:], "role"

    def _paragraph_start(self, at: int) -> int:
        return self.text.rfind("\n", 0, at) + 1

    def attribute(self, q_start: int, q_end: int) -> Attribution:
        """Credit the quote at ``text[q_start:q_end]`` (quotes must come in text order)."""
        result = self._attribute(q_start, q_end)
        self._previous.append((q_start, q_end, result))
        if result.speaker and result.how in ("named", "description"):
            self._add_mention(result.speaker, q_start)
        return result

    def _anonymous(self, start: int, end: int, speaker: str | None) -> bool:
        stop = re.compile(r"[.!?](?=\s)|\n").search(self.text, end, min(len(self.text), end + 160))
        window = self.text[start : stop.start() if stop else end + 160].lower()
        if any(mark in window for mark in self.vocab.anonymous_marks):
            return True
        return speaker is not None and bool(re.search(r"\bsources?\b|\bfamiliar\b", speaker))

    def _attribute(self, q_start: int, q_end: int) -> Attribution:
        text = self.text
        if self.vocab.title_cue.search(text[max(0, q_start - 30) : q_start]):
            return Attribution(None, q_start, q_end, "title")  # 'the book, "..."'
        line_end = text.find("\n", q_end)
        line_end = len(text) if line_end < 0 else line_end
        after = text[q_end : min(line_end, q_end + _WINDOW)]
        # 1. after the quote: "said Smith" / "Smith said" / "..., said Smith" in the sentence
        for pattern in (self._after_verb_first, self._after_who_first):
            m = pattern.match(after)
            if m and (who := read_who(_first_sentence(m.group("who")), self.vocab)):
                if pattern is self._after_who_first and _sentence_break(after[: m.start("who")]):
                    continue
                speaker, how = self._resolve(who, q_start)
                if speaker or how == "pronoun":
                    end = q_end + m.end()
                    return self._made(speaker, q_start, end, how)
        sentence = re.split(r"(?<=[.!?])\s+(?=[A-Z“\"])|[“\"]", after, maxsplit=1)[0]
        m = self._comma_verb.search(sentence)
        if m and (who := read_who(m.group("who").strip(), self.vocab)) and who.kind != "pronoun":
            speaker, how = self._resolve(who, q_start)
            if speaker:
                return self._made(speaker, q_start, q_end + m.end(), how)
        # 1b. before the quote, in its sentence: "Smith said: ...", "Smith said the plan ..."
        found = self._before_quote(q_start)
        if found is not None:
            return Attribution(found.speaker, found.start, q_end, found.how, found.anonymous)
        # 3. a quote continuing the one before it in the same paragraph
        para = self._paragraph_start(q_start)
        for p_start, _p_end, prev in reversed(self._previous):
            if p_start < para:
                break
            if prev.speaker:
                return Attribution(prev.speaker, q_start, q_end, "continued", prev.anonymous)
        if para == q_start and para > 0:
            prev_end = len(text[:para].rstrip())
            # 3b. a quote paragraph after "Smith said:" ending the paragraph before
            if text[:prev_end].endswith(":"):
                found = self._before_quote(prev_end)
                if found is not None:
                    return Attribution(
                        found.speaker, found.start, q_end, found.how, found.anonymous
                    )
            # 3c. a quote paragraph right after a paragraph ending '..., Smith said.'
            if self._previous:
                _p_start, p_end, prev = self._previous[-1]
                attributed_end = max(p_end, prev.end)
                if prev.speaker and 0 <= prev_end - attributed_end <= 40:
                    return Attribution(prev.speaker, q_start, q_end, "continued", prev.anonymous)
        return Attribution(None, q_start, q_end)

    def _made(self, speaker: str | None, start: int, end: int, how: str) -> Attribution:
        return Attribution(speaker, start, end, how, self._anonymous(start, end, speaker))

    def _before_quote(self, q_start: int) -> Attribution | None:
        text = self.text
        lo = max(self._paragraph_start(q_start), q_start - _WINDOW)
        for _p_start, p_end, _prev in self._previous:
            if lo < p_end <= q_start:
                lo = p_end
        window = text[lo:q_start]
        # start at the sentence holding the quote
        cut = 0
        for m in re.finditer(r"[.!?][”\"’)]?\s+(?=[A-Z])", window):
            if not re.search(rf"(?:\b[A-Z]|{_TITLE_ABBR[:-2]})\.$", window[: m.start() + 1]):
                cut = m.end()
        window = window[cut:]
        base = lo + cut
        m = self._according.search(window)
        if m and (who := read_who(m.group("who"), self.vocab)) and who.kind != "pronoun":
            speaker, how = self._resolve(who, q_start)
            if speaker:
                return self._made(speaker, base + m.start(), q_start, how)
        best = None
        for m in self._before.finditer(window):
            best = m
        if best is not None and not _sentence_break(best.group("tail")):
            who = read_who(_who_words(best.group("who")), self.vocab)
            if who is not None:
                speaker, how = self._resolve(who, q_start)
                if speaker or how == "pronoun":
                    start = (
                        base
                        + best.start("who")
                        + (len(best.group("who")) - len(_who_words(best.group("who"))))
                    )
                    return self._made(speaker, start, q_start, how)
        m = self._participle.search(window)
        if m:
            who = read_who(m.group("who"), self.vocab)
            if who is not None:
                speaker, how = self._resolve(who, q_start)
                if speaker:
                    return self._made(speaker, base + m.start("who"), q_start, how)
        return None


def _first_sentence(words: str) -> str:
    """'Gleicher. Facebook also pledged' -> 'Gleicher' (a title's or initial's stop stays)."""
    for m in re.finditer(r"\.\s+", words):
        if not re.search(rf"(?:\b[A-Z]|{_TITLE_ABBR[:-2]})\.$", words[: m.start() + 1]):
            return words[: m.start()].strip()
    return words.strip()


def _who_words(who: str) -> str:
    """The speaker end of a matched span: from the last clause break on ("Addressing a
    conference in Singapore, Hagel" -> "Hagel")."""
    return re.split(r"[,;:()]\s*", who)[-1].strip()


def _sentence_break(text: str) -> bool:
    return bool(re.search(r"[.!?]\s+[A-Z]", text)) and not re.search(
        rf"(?:{_TITLE_ABBR}|\b[A-Z]\.)\s+[A-Z][^.!?]*$", text
    )
