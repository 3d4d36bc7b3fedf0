"""Bounded markup: linear passes over untrusted HTML, so no tree is built from deep nesting.

Tree builders slow down sharply with nesting depth: Lexbor (selectolax) took 0.05 s for
``<div>`` nested 10,000 deep, 2.9 s at 40,000 and 100 s at 200,000, and one hostile page or
feed summary held the fetcher's event loop that long. lxml (libxml2) stops at 256 levels
instead, and trafilatura then discards the whole page, text included. So fetched markup
meets a tree builder only through this module:

- ``bound_markup``: before lxml parses a page (extraction), drop the open and close tags
  nested beyond ``MAX_DEPTH`` so their content becomes siblings at the limit (as Chromium's
  parser does past 512 levels), and keep only the text after the first ``MAX_TAGS`` tags;
- ``tags_outside_text``: the ``<link>``/``<meta>`` tags of a page without any tree, for the
  canonical URL (a flat list of void tags parses in linear time);
- ``plain_text``: titles and summaries to text without any tree.

The scans follow the HTML tokenizer closely (quoted attribute values, comments, script and
style bodies) but not the tree builder's every rule; they are used where a misjudged tag
costs at most some structure of one page, never unbounded time.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterator

# 200: below libxml2's limit of 256 open elements (past it lxml stops reading the page and
# trafilatura keeps no text), with room for the html/body wrappers and for the few levels
# trafilatura adds; the deepest of the 80 Fundus news pages nests 27 levels by this count.
MAX_DEPTH = 200

# 100,000 tags: the largest of the Fundus news pages has 4,571 (start and end tags), and
# extraction keeps only the first 20,000 elements anyway; the cap bounds the scan (1-3
# microseconds a tag) and the tree built after it on a megabytes-long tag soup, whose
# remaining text is kept as one run of text.
MAX_TAGS = 100_000

# Attributes of a tag: a ">" inside a quoted value does not end the tag (title="a > b"),
# as in HTML. Every alternative below ends at its terminator or at the end of the input, so
# each "<" is matched once and the scans stay linear even for an unclosed comment, tag or
# quote.
_ATTRS = r"""((?:[^>=]|=\s*"[^"]*(?:"|\Z)|=\s*'[^']*(?:'|\Z)|=)*)(?:>|\Z)"""
_RAW_TEXT = "script|style|textarea|title|xmp|iframe|noembed|noframes|plaintext"
_TOKEN = re.compile(
    r"<!--(?:-?>|.*?(?:--!?>|\Z))"  # comment (<!--> and <!---> are empty comments)
    rf"|<({_RAW_TEXT})(?=[\s/>]|\Z){_ATTRS}"  # an element whose body is text
    rf"|<(/?)([a-zA-Z][^\s/>]*){_ATTRS}"  # start or end tag
    r"|<[!?/][^>]*(?:>|\Z)",  # doctype, processing instruction, CDATA, bogus comment
    re.S | re.I,
)
_RAW_TEXT_END = {name: re.compile(rf"</{name}(?=[\s/>]|\Z)", re.I) for name in _RAW_TEXT.split("|")}
# For text only: script and style bodies go, every other tag becomes a space.
_TEXT_DROP = re.compile(
    r"<(script|style)(?=[\s/>]|\Z)[^>]*>.*?(?:</\1(?=[\s/>]|\Z)[^>]*(?:>|\Z)|\Z)"
    r"|<!--.*?(?:-->|\Z)"
    r"|</?[a-zA-Z][^>]*(?:>|\Z)"
    r"|<[!?][^>]*(?:>|\Z)",
    re.S | re.I,
)
# Elements that never have content, so they never open a level.
_VOID = frozenset(
    "area base br col embed hr img input link meta param source track wbr "
    "basefont bgsound frame keygen".split()
)
# An open <p> is closed by the start of any of these (HTML's "close a p element"); a
# stack that kept them open would count a page of unclosed paragraphs as deep nesting.
_CLOSES_P = frozenset(
    "address article aside blockquote center details dialog dir div dl fieldset figcaption "
    "figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr main menu nav ol p pre section "
    "summary table ul li dd dt".split()
)
# HTML start tags that end SVG or MathML content (the HTML standard's list, less <font>).
_BREAKS_OUT_OF_FOREIGN = frozenset(
    "b big blockquote body br center code dd div dl dt em embed h1 h2 h3 h4 h5 h6 head hr i "
    "img li listing menu meta nobr ol p pre ruby s small span strong strike sub sup table tt "
    "u ul var".split()
)
# Start tags that close the element on top of the stack while it is one of these (an
# unclosed list item, cell, row or option), again so unclosed siblings are not depth.
_CELLS = frozenset({"td", "th"})
_ROWS = _CELLS | {"tr"}
_SECTIONS = _ROWS | {"tbody", "thead", "tfoot"}
_RUBY = frozenset({"rb", "rt", "rp"})
_CLOSES_ON_TOP = {
    "li": frozenset({"li"}),
    "dt": frozenset({"dt", "dd"}),
    "dd": frozenset({"dt", "dd"}),
    "td": _CELLS,
    "th": _CELLS,
    "tr": _ROWS,
    "tbody": _SECTIONS,
    "thead": _SECTIONS,
    "tfoot": _SECTIONS,
    "option": frozenset({"option"}),
    "optgroup": frozenset({"option", "optgroup"}),
    "rb": _RUBY,
    "rt": _RUBY,
    "rp": _RUBY,
}


def bound_markup(markup: str, max_depth: int = MAX_DEPTH, max_tags: int = MAX_TAGS) -> str:
    """``markup`` without the tags nested beyond ``max_depth`` levels, and without any
    tag after the first ``max_tags``; their text stays.

    Linear in the input; a document within both limits is returned as it is (the same
    object), so callers may compare identity to know whether it was changed.
    """
    if markup.count("<") <= max_depth:
        return markup  # fewer tags than levels: it cannot be too deep
    cut_at = len(markup)
    stack: list[str] = []
    open_count: Counter[str] = Counter()
    dropped: Counter[str] = Counter()
    cuts: list[tuple[int, int]] = []  # spans of tags to remove
    for seen, match in enumerate(_tags(markup)):
        if seen >= max_tags:
            cut_at = match.start()
            break
        name = match.group(4).lower()
        if match.group(3):  # an end tag: it closes a dropped level first, being innermost
            if dropped[name]:
                dropped[name] -= 1
                cuts.append(match.span())
            elif open_count[name]:
                _pop_to(stack, open_count, name)
            continue
        if name in _VOID:
            continue
        if open_count["svg"] or open_count["math"]:
            if name in _BREAKS_OUT_OF_FOREIGN:
                _leave_foreign(stack, open_count)
            elif match.group(5).rstrip().endswith("/"):
                continue  # <path/> in SVG closes itself; in HTML, <div/> opens a div
        if name in _CLOSES_P and open_count["p"]:
            _pop_to(stack, open_count, "p")
        closes = _CLOSES_ON_TOP.get(name)
        while closes and stack and stack[-1] in closes:
            open_count[stack.pop()] -= 1
        if len(stack) >= max_depth:
            dropped[name] += 1
            cuts.append(match.span())
            continue
        stack.append(name)
        open_count[name] += 1
    if not cuts and cut_at == len(markup):
        return markup
    parts, start = [], 0
    for cut_start, cut_end in cuts:
        parts.append(markup[start:cut_start])
        start = cut_end
    parts.append(markup[start:cut_at])
    if cut_at < len(markup):
        # Past the tag cap the rest is kept as text only, its white space collapsed.
        parts.append(" ".join(_TEXT_DROP.sub(" ", markup[cut_at:]).split()))
    return "".join(parts)


def tags_outside_text(markup: str, names: frozenset[str]) -> Iterator[str]:
    """The start tags named in ``names`` (lower case), in document order, as written.

    Comments and the bodies of script, style and title elements are skipped, so a
    ``<link>`` quoted in a script or commented out in a template is not taken for one.
    """
    for match in _tags(markup):
        if not match.group(3) and match.group(4).lower() in names:
            yield match.group(0)


def plain_text(markup: str) -> str:
    """The text of an HTML fragment: tags become spaces, script and style bodies and
    comments go, entities are decoded. Linear in the input; white space is left as is."""
    if "<" not in markup and "&" not in markup:
        return markup
    return html.unescape(_TEXT_DROP.sub(" ", markup))


def _tags(markup: str) -> Iterator[re.Match[str]]:
    """Start and end tags in document order, skipping comments and raw-text bodies.

    In a match, group 3 is "/" for an end tag, group 4 the name, group 5 the attributes.
    """
    pos = 0
    while True:
        match = _TOKEN.search(markup, pos)
        if match is None:
            return
        pos = match.end()
        raw_text = match.group(1)
        if raw_text:
            # The body of a script or style is text, not tags: go on at its end tag.
            found = _RAW_TEXT_END[raw_text.lower()].search(markup, pos)
            pos = found.start() if found else len(markup)
        elif match.group(4):
            yield match


def _leave_foreign(stack: list[str], open_count: Counter[str]) -> None:
    """An HTML block tag inside SVG or MathML ends the foreign content, as parsers do."""
    while stack and (open_count["svg"] or open_count["math"]):
        open_count[stack.pop()] -= 1


def _pop_to(stack: list[str], open_count: Counter[str], name: str) -> None:
    """Close ``name`` and every element opened inside it (amortised O(1) a tag)."""
    while stack:
        top = stack.pop()
        open_count[top] -= 1
        if top == name:
            return
