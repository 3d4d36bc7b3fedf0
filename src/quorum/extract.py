"""Article text and metadata from one HTML page.

trafilatura finds the main text; around it Quorum adds what the desk needs from a page and
trafilatura leaves loose: a title without the site-name suffix, the publication date from
the page's own structured data before any guess, an author, a language guess that works
offline, and a last clean-up of page furniture (repeated headline, "Click here to get the
app", author bios) that the Fundus benchmark showed slipping through. Every variant was
measured with ``quorum eval extraction`` on the Fundus pages; the defaults are the best.

The cascade for one page:
  1. cap the size and decode the bytes (``quorum.charset``: BOM, declared charset, UTF-8,
     then Windows-1252; a caller with the HTTP charset decodes first and passes text);
  2. bound the nesting depth (``quorum.markup``), parse once with lxml; read metadata
     (meta tags, JSON-LD, <title>, rel=canonical);
  3. remove boilerplate containers (cookie banners, newsletter boxes, related links);
  4. run trafilatura on the cleaned tree for the main text (and its metadata fallbacks);
  5. clean the text paragraph by paragraph and join paragraphs with a blank line.

Bad input never raises: a page that cannot be parsed gives an empty ``Extracted``.
"""

from __future__ import annotations

import html as html_lib
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from urllib.parse import urljoin, urlsplit

import trafilatura
from lxml import etree
from lxml.html import HtmlElement

from quorum.charset import UndecodableError, decode_html
from quorum.furniture import (
    Boilerplate,
    cut_spans,
    default_boilerplate,
    drop_author_bio,
    is_furniture_line,
)
from quorum.lang import detect_language, normalise_language_tag
from quorum.markup import MAX_DEPTH, MAX_TAGS, bound_markup
from quorum.records import Extracted

log = logging.getLogger(__name__)

# Real article pages are 50 KB-2 MB; 5 MB keeps every one of them whole while bounding
# lxml's memory and trafilatura's time (both grow with the tree) on a 10+ MB page, whose
# tail is scripts and inline data anyway. Counted in bytes before decoding.
MAX_PARSE_BYTES = 5_000_000

# trafilatura's xpath passes and jusText's neighbour search grow faster than linearly with
# the number of elements: 8,000 short paragraphs took 15 s, 128,000 (a 4 MB page) over a
# minute even without fallbacks. Fundus news pages have 360-2,600 elements, so pages up to
# 5,000 get the full cascade, larger ones skip the fallback extractors, and past 20,000
# the tree is cut (in document order, keeping the start where articles sit).
FULL_CASCADE_MAX_ELEMENTS = 5_000
MAX_TREE_ELEMENTS = 20_000

# An unclosed <title> is looked for in the head only: the first 16 KB hold it on real pages.
_TITLE_SCAN_CHARS = 16_384
_TITLE_OPEN = re.compile(r"<title\b[^>]*>", re.I)
_TITLE_CLOSE = re.compile(r"</title\s*>", re.I)
_TITLE_END_GUESS = re.compile(r"\n|<")
_SPACES = re.compile(r"[ \t\u00a0\u2009\u200b]+")


@dataclass(frozen=True, slots=True)
class ExtractOptions:
    """Switches of the cascade; the defaults won on the 80 Fundus dev pages.

    ROUGE-LSum F1 (x100) of the defaults: 96.60, and 95.97 leave-one-publisher-out (every
    switch and pattern chosen on the other 15 publishers; ``quorum eval extraction --lopo``).
    The figures below are from before precision mode and its guard (default 96.47 then),
    each with only the one switch flipped.
    """

    favor_precision: bool = True  # see recall_guard
    # Precision mode keeps less furniture on most sites but on a few pages drops nearly all
    # the story (a Telegraph page: 2 % of it). When it keeps under this share of the page's
    # prose-length <p> text, the balanced mode runs too and the longer text wins. A sanity
    # bound, not a tuned cut: on the Fundus pages normal extractions keep 0.3-25 times that
    # text, the failure 0.02; 0 switches the guard off.
    recall_guard: float = 0.25
    favor_recall: bool = False  # True: 95.35
    include_tables: bool = False  # True: 95.84 (tables on news pages are mostly widgets)
    include_comments: bool = False  # no change on Fundus; reader comments are not reporting
    prune_boilerplate: bool = True  # False: 96.23
    drop_headline: bool = True  # False: 95.92 (the title repeated as first line)
    drop_boilerplate_lines: bool = True  # False: 96.12
    drop_author_bio: bool = True  # False: 96.17
    drop_link_only: bool = True  # False: 96.32 (inline "related story" links)


# --- 2. parsing ----------------------------------------------------------------------


def parse_html(html: str | bytes) -> HtmlElement | None:
    """A parsed tree of (the first MAX_PARSE_BYTES of) the page, or None if there is none."""
    if isinstance(html, str):
        data = html.encode("utf-8", errors="replace")[:MAX_PARSE_BYTES]
        text = data.decode("utf-8", errors="ignore")
    else:
        # 1. decoding: BOM, declared charset, UTF-8, cp1252, as browsers do (quorum.charset)
        try:
            text = decode_html(bytes(html[:MAX_PARSE_BYTES]))
        except UndecodableError as exc:
            log.info("not text: %s", exc)
            return None
    text = text.replace("\x00", "")
    if not text.strip():
        return None
    # The declared charset has done its job; lxml refuses str input that still declares it.
    text = re.sub(r"^\s*<\?xml[^>]*>", "", text)
    text = _close_unclosed_title(text)
    # Deep nesting would make lxml stop reading (and lose the text) past 256 levels.
    bounded = bound_markup(text)
    if bounded is not text:
        log.info("page nested beyond %d levels or over %d tags: flattened", MAX_DEPTH, MAX_TAGS)
    try:
        tree = trafilatura.utils.load_html(bounded)
    except (ValueError, TypeError, etree.LxmlError) as exc:
        log.info("unparseable page: %s", exc)
        return None
    if tree is None or not isinstance(tree, HtmlElement):
        return None
    return tree


# --- 2b. metadata --------------------------------------------------------------------

# Publication dates outside this window are parsing errors or placeholders (1970-01-01,
# copyright years, "2099" embargo dummies): news on the web starts in the 1990s, and a
# date more than a day ahead cannot be a publication date (a day covers time zones).
EARLIEST_DATE = datetime(1990, 1, 1, tzinfo=UTC)
FUTURE_TOLERANCE = timedelta(days=1)
# Headlines run to ~150 characters; a longer "title" is a page whose markup swallowed the
# body into it, and is cut so it cannot flood a listing.
MAX_TITLE_CHARS = 300
MAX_FIELD_CHARS = 4 * MAX_TITLE_CHARS
# "Wednesday, 28 February 2024 16:58:01 Eastern Standard Time" is 58 characters; a longer
# "date" is prose and not worth handing to dateparser.
_MAX_DATE_CHARS = 80

# schema.org types whose JSON-LD object describes the article itself (not the site).
_ARTICLE_TYPES = frozenset(
    "newsarticle article reportagenewsarticle analysisnewsarticle opinionnewsarticle "
    "backgroundnewsarticle blogposting liveblogposting report scholarlyarticle techarticle".split()
)
# <meta> names that carry the byline or the publication date, most trusted first.
_AUTHOR_META = tuple("author article:author byl parsely-author sailthru.author dc.creator".split())
_DATE_META = tuple(
    "article:published_time og:published_time datepublished parsely-pub-date sailthru.date "
    "dc.date.issued dc.date".split()
)
_TAGS = re.compile(r"<(script|style)\b.*?(</\1\s*>|$)|<[^>]*>", re.I | re.S)
_TITLE_SEPARATORS = re.compile(r"\s+(?:\||-|–|—|::|·|•|»)\s+")
_BYLINE_PREFIX = re.compile(r"^\s*(by|von|par|por|di|door)\s+", re.I)


@dataclass(frozen=True, slots=True)
class PageMeta:
    """What the page declares about itself, read before any element is removed."""

    title: str = ""
    author: str | None = None
    published: datetime | None = None
    site_name: str | None = None
    canonical_url: str | None = None
    declared_language: str | None = None
    host: str | None = None


def clean_field(value: object) -> str:
    """A metadata string with markup, script/style bodies and entities removed.

    Titles and meta contents are raw text in HTML, so ``<title>Hi<script>x()</script>``
    really contains the tag characters; they must not reach a page or a feed.
    """
    if not isinstance(value, str):
        return ""
    # Fields are short; the cap keeps a hostile megabyte-long attribute from making the
    # tag pattern scan quadratically.
    text = _TAGS.sub(" ", html_lib.unescape(_TAGS.sub(" ", value[:MAX_FIELD_CHARS])))
    return " ".join(text.split())


def parse_date(value: object) -> datetime | None:
    """A timezone-aware datetime from an ISO-like string, or None if absent or implausible.

    Naive values are taken as UTC: the offset is unknown and UTC is at most a day off.
    """
    if isinstance(value, list):
        value = value[0] if value else None
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if len(text) > _MAX_DATE_CHARS:
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T", 1))
    except ValueError:
        parsed = None
    if parsed is None:
        import dateparser  # slow to import; only pages with odd date strings need it

        parsed = dateparser.parse(text, settings={"RETURN_AS_TIMEZONE_AWARE": False})
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    if parsed < EARLIEST_DATE or parsed > datetime.now(UTC) + FUTURE_TOLERANCE:
        return None
    return parsed


def strip_site_suffix(title: str, site_name: str | None, host: str | None) -> str:
    """``"Foo – NBC Chicago"`` -> ``"Foo"`` when the tail (or head) names the site or domain."""
    separators = list(_TITLE_SEPARATORS.finditer(title))
    if not separators:
        return title
    names = {_squash(site_name or "")}
    if host:
        labels = host.lower().removeprefix("www.").split(".")
        names.update({_squash(labels[0]), _squash(".".join(labels))})
    names.discard("")
    last, first = separators[-1], separators[0]
    if _names_site(title[last.end() :], names):
        return title[: last.start()].strip()
    if _names_site(title[: first.start()], names):
        return title[first.end() :].strip()
    return title


# A site-name segment is short ("The Washington Times", "SpaceNews Weekly"); a longer one
# containing the name is a headline about the outlet and stays.
_MAX_SITE_WORDS = 5


def _names_site(segment: str, names: set[str]) -> bool:
    squashed = _squash(segment)
    if not squashed or len(segment.split()) > _MAX_SITE_WORDS:
        return False
    return any(squashed == n or (len(n) > 3 and n in squashed) for n in names)


def _web_url(value: str | None) -> str | None:
    """``value`` if it is an absolute http(s) URL (not ``javascript:`` or a bare path)."""
    if not value:
        return None
    value = value.strip()
    try:
        parts = urlsplit(value)
        return value if parts.scheme in ("http", "https") and parts.hostname else None
    except ValueError:  # e.g. an unbalanced "[" in the host
        return None


def _join(base: str | None, href: str) -> str | None:
    try:
        return urljoin(base or "", href.strip())
    except ValueError:
        return None


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + "…"


def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _json_ld_objects(tree: HtmlElement) -> Iterator[dict]:
    for script in tree.xpath('//script[contains(translate(@type, "LDJSON", "ldjson"), "ld+json")]'):
        raw = (script.text or "").strip()
        if not raw:
            continue
        try:
            data = json.loads(raw, strict=False)
        except (json.JSONDecodeError, RecursionError):
            continue  # malformed JSON-LD is common; the meta tags still count
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(reversed(item))
            elif isinstance(item, dict):
                yield item
                if isinstance(item.get("@graph"), list):
                    stack.extend(reversed(item["@graph"]))


def _is_article(obj: dict) -> bool:
    kind = obj.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return any(isinstance(k, str) and k.lower() in _ARTICLE_TYPES for k in kinds)


def _names(value: object) -> list[str]:
    """Person names from a JSON-LD author value (string, object or list of either)."""
    if isinstance(value, list):
        return [n for v in value for n in _names(v)]
    if isinstance(value, dict):
        return _names(value.get("name"))
    if isinstance(value, str):
        name = clean_field(_BYLINE_PREFIX.sub("", value))
        return [] if not name or name.startswith("http") else [name]
    return []


def _meta_tags(tree: HtmlElement) -> dict[str, str]:
    """First content of each <meta> by lower-cased property/name/itemprop."""
    found: dict[str, str] = {}
    for meta in tree.iter("meta"):
        key = meta.get("property") or meta.get("name") or meta.get("itemprop")
        content = meta.get("content")
        if key and content and content.strip():
            found.setdefault(key.strip().lower(), content.strip())
    return found


def read_page_meta(tree: HtmlElement, url: str | None) -> PageMeta:
    """Title, author, date, site name, canonical URL and declared language of a page."""
    meta = _meta_tags(tree)
    article: dict = {}
    publisher_name = ""
    for obj in _json_ld_objects(tree):
        if _is_article(obj) and not article:
            article = obj
    if isinstance(article.get("publisher"), dict):
        publisher_name = clean_field(article["publisher"].get("name"))
    site_name = clean_field(meta.get("og:site_name")) or publisher_name or None
    links = tree.xpath(
        '//link[@href][contains(concat(" ", normalize-space(@rel), " "), " canonical ")]/@href'
    )
    canonical = _web_url(_join(url, links[0]) if links else None) or _web_url(meta.get("og:url"))
    page_url = _web_url(canonical) or _web_url(url)
    host = urlsplit(page_url).hostname if page_url else None
    title_tag = tree.find("head/title")
    title_tag = title_tag if title_tag is not None else tree.find(".//title")
    raw_title = (
        meta.get("og:title")
        or clean_field(article.get("headline"))
        or meta.get("twitter:title")
        or (title_tag.text_content() if title_tag is not None else "")
    )
    title = _shorten(strip_site_suffix(clean_field(raw_title), site_name, host), MAX_TITLE_CHARS)
    authors = _names(article.get("author"))
    for key in _AUTHOR_META:
        if not authors and key in meta:
            authors = _names(meta[key])
    published = None
    for candidate in (article.get("datePublished"), *(meta.get(k) for k in _DATE_META)):
        published = parse_date(candidate)
        if published:
            break
    root_lang = tree.get("lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang")
    declared = root_lang or meta.get("og:locale") or meta.get("content-language")
    return PageMeta(
        title=title,
        author="; ".join(dict.fromkeys(authors)) or None,
        published=published,
        site_name=site_name,
        canonical_url=canonical,
        declared_language=normalise_language_tag(declared),
        host=host,
    )


def _close_unclosed_title(text: str) -> str:
    """Close a <title> left open: HTML parsers read everything after it as title text.

    The title is ended at its first line break or tag, whichever comes first, so the
    body that follows is parsed as a body again.
    """
    opening = _TITLE_OPEN.search(text, 0, _TITLE_SCAN_CHARS)
    if opening is None or _TITLE_CLOSE.search(text, opening.end()):
        return text
    end = opening.end()
    stop = _TITLE_END_GUESS.search(text, end)
    cut = stop.start() if stop else len(text)
    return text[:cut] + "</title>" + text[cut:]


def limit_tree(tree: HtmlElement, max_elements: int) -> int:
    """Cut everything after the first ``max_elements`` elements; returns the count kept."""
    cut_at = None
    count = 0
    for element in tree.iter():
        count += 1
        if count > max_elements:
            cut_at = element
            break
    if cut_at is None:
        return count
    node = cut_at
    while node is not None:
        parent = node.getparent()
        if parent is None:
            break
        for sibling in list(node.itersiblings()):
            parent.remove(sibling)
        node = parent
    cut_parent = cut_at.getparent()
    if cut_parent is not None:
        cut_parent.remove(cut_at)
    return max_elements


# --- 3. boilerplate containers -------------------------------------------------------

# A container named like furniture but holding over 40 % of the page's text is kept: on
# the Fundus pages real furniture boxes hold under 10 %, the article body 30-90 %.
MAX_PRUNED_SHARE = 0.4


def prune_boilerplate(tree: HtmlElement, boilerplate: Boilerplate) -> None:
    """Remove containers whose class or id names them as cookie banners, promos and the like.

    Whole-token matches only ("related", not "unrelated-story-body"), and never <body>,
    <html>, <main> or <article>: a site that tags its whole story "promo" keeps its story.
    """
    doomed = []
    for element in tree.iter():
        if not isinstance(element.tag, str) or element.tag in ("html", "body", "main", "article"):
            continue
        names = f"{element.get('class', '')} {element.get('id', '')}".lower().split()
        if names and boilerplate.prune_class_tokens.intersection(names):
            doomed.append(element)
    if not doomed:
        return
    page_text = len(tree.text_content())
    for element in doomed:
        parent = element.getparent()
        # Safety net: a "promo" box holding most of the page's text is the story itself.
        if parent is not None and len(element.text_content()) <= MAX_PRUNED_SHARE * page_text:
            parent.remove(element)


def drop_link_only_paragraphs(tree: HtmlElement) -> None:
    """Remove <p> whose whole text is one link: inline "related story" teasers.

    Article prose links words inside a sentence; a paragraph that is nothing but a link
    (often in capitals or bold) points to another story.
    """
    doomed = []
    for para in tree.iter("p"):
        links = para.findall(".//a")
        if len(links) != 1:
            continue
        text = " ".join(para.text_content().split())
        link_text = " ".join(links[0].text_content().split())
        if text and text == link_text:
            doomed.append(para)
    for para in doomed:
        parent = para.getparent()
        if parent is not None:
            parent.remove(para)


# --- 5. text clean-up ----------------------------------------------------------------


def _folded(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", text.lower()).split())


def clean_paragraphs(
    text: str,
    title: str,
    author: str | None,
    options: ExtractOptions,
    boilerplate: Boilerplate,
) -> list[str]:
    """Paragraphs of trafilatura's text minus repeated headline, furniture and author bio."""
    # Split on the line breaks and strip each line: a regex such as \s*\n\s* backtracks
    # quadratically over a long run of spaces without a line break (300,000 took minutes).
    paragraphs = [_SPACES.sub(" ", p).strip() for p in text.split("\n")]
    paragraphs = [p for p in paragraphs if p]
    if options.drop_headline and title and paragraphs:
        # The headline is metadata, not body text; pages often repeat it above the story.
        folded_title = _folded(title)
        while paragraphs and folded_title and _folded(paragraphs[0]) == folded_title:
            paragraphs.pop(0)
    if options.drop_boilerplate_lines:
        paragraphs = [p for p in paragraphs if not is_furniture_line(p, boilerplate)]
        paragraphs = [c for p in paragraphs if (c := cut_spans(p, boilerplate))]
    if options.drop_author_bio and author and paragraphs:
        paragraphs = drop_author_bio(paragraphs, author, boilerplate)
    return paragraphs


# --- the whole cascade ---------------------------------------------------------------


def extract(
    html: str | bytes,
    url: str | None = None,
    options: ExtractOptions | None = None,
    boilerplate: Boilerplate | None = None,
) -> Extracted:
    """Main text and metadata of one article page; empty ``Extracted`` when there is none."""
    options = options or ExtractOptions()
    boilerplate = boilerplate or default_boilerplate()
    return finish(extract_raw(html, url, options, boilerplate), options, boilerplate)


def extract_raw(
    html: str | bytes,
    url: str | None = None,
    options: ExtractOptions | None = None,
    boilerplate: Boilerplate | None = None,
) -> Extracted:
    """Steps 1-4: metadata and trafilatura's main text, before the text clean-up.

    Apart from ``finish`` so that an evaluation can vary the clean-up rules without
    running trafilatura again; ``language`` holds the page's declared language.
    """
    options = options or ExtractOptions()
    boilerplate = boilerplate or default_boilerplate()
    try:
        return _extract_raw(html, url, options, boilerplate)
    except Exception as exc:  # the one place where a page's failure is contained
        # trafilatura, jusText and lxml can fail deep inside on pathological markup (nesting
        # tens of thousands deep, broken encodings, odd attribute values) with almost any
        # exception type; one bad page must not stop a crawl, and the log names it.
        log.warning("extraction failed for %s: %s: %s", url or "<page>", type(exc).__name__, exc)
        return Extracted()


def finish(raw: Extracted, options: ExtractOptions, boilerplate: Boilerplate) -> Extracted:
    """Step 5: the raw text cleaned paragraph by paragraph, and its language."""
    try:
        paragraphs = clean_paragraphs(raw.text, raw.title, raw.author, options, boilerplate)
        text = "\n\n".join(paragraphs)
        language = detect_language(text) or raw.language
    except Exception as exc:  # as in extract_raw: one page's text must not stop a crawl
        log.warning("text clean-up failed: %s: %s", type(exc).__name__, exc)
        return Extracted()
    return replace(raw, text=text, language=normalise_language_tag(language))


def _extract_raw(
    html: str | bytes, url: str | None, options: ExtractOptions, boilerplate: Boilerplate
) -> Extracted:
    # 1.-2. decode, parse, read the page's own metadata before anything is removed
    tree = parse_html(html)
    if tree is None:
        return Extracted()
    meta = read_page_meta(tree, url)
    elements = limit_tree(tree, MAX_TREE_ELEMENTS)
    if elements >= MAX_TREE_ELEMENTS:
        log.info("%s: page cut to its first %d elements", url or "<page>", MAX_TREE_ELEMENTS)
    # 3. containers that are never the story
    if options.prune_boilerplate:
        prune_boilerplate(tree, boilerplate)
    if options.drop_link_only:
        drop_link_only_paragraphs(tree)
    # 4. main text; trafilatura's own metadata fills what the page did not declare
    guard = options.favor_precision and options.recall_guard > 0
    document = _trafilatura(tree, url, options, elements, options.favor_precision)
    raw_text = (getattr(document, "text", None) or "") if document is not None else ""
    if guard and len(raw_text) < options.recall_guard * _paragraph_chars(tree):
        # Precision mode threw away most of the page's prose: the balanced mode decides.
        # (trafilatura works on its own copy of the tree, so this one is still whole.)
        balanced = _trafilatura(tree, url, options, elements, False)
        balanced_text = (getattr(balanced, "text", None) or "") if balanced is not None else ""
        if len(balanced_text) > len(raw_text):
            document, raw_text = balanced, balanced_text
    return Extracted(
        title=_pick_title(meta, document),
        text=raw_text,
        author=meta.author or clean_field(getattr(document, "author", None)) or None,
        published=meta.published or parse_date(getattr(document, "date", None)),
        language=meta.declared_language,
        canonical_url=meta.canonical_url or clean_field(getattr(document, "url", None)) or None,
        site_name=meta.site_name or clean_field(getattr(document, "sitename", None)) or None,
    )


def _trafilatura(
    tree: HtmlElement, url: str | None, options: ExtractOptions, elements: int, precise: bool
) -> object:
    return trafilatura.bare_extraction(
        tree,
        url=url,
        with_metadata=True,
        fast=elements > FULL_CASCADE_MAX_ELEMENTS,
        favor_precision=precise,
        favor_recall=options.favor_recall,
        include_tables=options.include_tables,
        include_comments=options.include_comments,
        include_images=False,
        include_links=False,
    )


# Paragraphs shorter than this are menus, captions and teasers, not the prose the guard
# compares against.
_GUARD_MIN_WORDS = 12


def _paragraph_chars(tree: HtmlElement) -> int:
    """Characters in the page's prose-length <p> elements (what an article body is made of)."""
    total = 0
    for para in tree.iter("p"):
        words = para.text_content().split()
        if len(words) >= _GUARD_MIN_WORDS:
            total += len(" ".join(words))
    return total


def _pick_title(meta: PageMeta, document: object) -> str:
    if meta.title:
        return meta.title
    fallback = clean_field(getattr(document, "title", None))
    return strip_site_suffix(fallback, meta.site_name, meta.host) if fallback else ""
