"""URL canonicalisation: one spelling per article, and the site each URL belongs to.

The same article reaches Quorum as many URLs (tracking parameters, ``HTTP://WWW.X.COM:80``,
fragments, relative feed links). Deduplication and outlet attribution both need one spelling,
so every URL is passed through ``canonical_url`` before it is stored or compared.
``registrable_domain`` names the outlet a URL belongs to (``www.nbcchicago.com`` ->
``nbcchicago.com``), and ``canonical_from_html`` reads a page's own canonical link, refusing
one that points at another site (a hostile page must not claim another outlet's article).
"""

from __future__ import annotations

import ipaddress
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from urllib.parse import quote, unquote_plus, urljoin, urlsplit, urlunsplit

from selectolax.lexbor import LexborHTMLParser

from quorum.markup import tags_outside_text

log = logging.getLogger(__name__)

_DEFAULT_PORTS = {"http": 80, "https": 443}
_WEB_SCHEMES = frozenset(_DEFAULT_PORTS)
# Characters left as they are in a path or query: RFC 3986 unreserved and sub-delims, plus
# "%" so existing escapes are not escaped twice.
_PATH_SAFE = "/%:@!$&'()*+,;=~-._"
_QUERY_SAFE = _PATH_SAFE + "?"
_PERCENT_ESCAPE = re.compile(r"%[0-9a-fA-F]{2}")
_HEAD_TAGS = frozenset({"base", "link", "meta"})


class BadURLError(ValueError):
    """A string that is not an absolute http(s) URL, even after resolving it."""


@dataclass(frozen=True, slots=True)
class _TrackingParams:
    names: frozenset[str]
    prefixes: tuple[str, ...]

    def matches(self, key: str) -> bool:
        key = key.lower()
        return key in self.names or key.startswith(self.prefixes)


def _data_lines(name: str) -> list[str]:
    text = (resources.files("quorum") / "data" / name).read_text(encoding="utf-8")
    lines = (line.split("#", 1)[0].strip().lower() for line in text.splitlines())
    return [line for line in lines if line]


@cache
def _tracking_params() -> _TrackingParams:
    # Cached: immutable data read from the package, identical for every document.
    lines = _data_lines("tracking_params.txt")
    return _TrackingParams(
        names=frozenset(line for line in lines if not line.endswith("*")),
        prefixes=tuple(line[:-1] for line in lines if line.endswith("*")),
    )


@cache
def _public_suffixes() -> frozenset[str]:
    # Cached: immutable data read from the package, identical for every document.
    return frozenset(_data_lines("public_suffixes.txt"))


# --- canonical_url -----------------------------------------------------------------------


def canonical_url(url: str, base: str | None = None) -> str:
    """The one spelling of ``url`` Quorum stores and compares.

    Resolves ``url`` against ``base``; lower-cases scheme and host (IDN hosts become
    punycode); drops user info, default ports, the fragment and tracking parameters
    (``tracking_params.txt``) while keeping the other parameters in their order; resolves
    ``.``/``..`` segments; escapes characters that are not allowed raw; and turns an empty
    path into ``/``.

    Raises:
        BadURLError: when the result is not an absolute http(s) URL with a host.
    """
    if not isinstance(url, str) or not url.strip():
        raise BadURLError(f"not a URL: {url!r}")
    # Feeds often wrap links in white space or line breaks; browsers strip them too.
    url = re.sub(r"[\t\n\r]", "", url.strip())
    if base:
        try:
            url = urljoin(base.strip(), url)
        except ValueError as exc:
            raise BadURLError(f"cannot resolve {url!r} against {base!r}: {exc}") from exc
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise BadURLError(f"not a valid URL: {url!r} ({exc})") from exc
    scheme = parts.scheme.lower()
    if scheme not in _WEB_SCHEMES:
        raise BadURLError(f"not an http(s) URL: {url!r}")
    host = _canonical_host(parts.hostname or "")
    if not host:
        raise BadURLError(f"URL has no host: {url!r}")
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    path = _canonical_path(parts.path)
    query = _canonical_query(parts.query)
    return urlunsplit((scheme, netloc, path, query, ""))


def _canonical_host(host: str) -> str:
    host = host.strip().rstrip(".").lower()
    if not host:
        return ""
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise BadURLError(f"invalid international host name: {host!r}") from exc


def _canonical_path(path: str) -> str:
    path = _remove_dot_segments(path or "/")
    if not path.startswith("/"):
        path = "/" + path
    path = quote(path, safe=_PATH_SAFE)
    return _PERCENT_ESCAPE.sub(lambda m: m.group(0).upper(), path)


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4, so ``/a/./b/../c`` and ``/a/c`` are one URL."""
    if "." not in path:
        return path
    output: list[str] = []
    for segment in path.split("/")[1:]:
        if segment == "..":
            if output:
                output.pop()
        elif segment != ".":
            output.append(segment)
    trailing = path.endswith(("/.", "/..")) and output != []
    return "/" + "/".join(output) + ("/" if trailing else "")


def _canonical_query(query: str) -> str:
    if not query:
        return ""
    tracking = _tracking_params()
    kept = []
    for pair in query.split("&"):
        if not pair:
            continue
        key = pair.split("=", 1)[0]
        if tracking.matches(unquote_plus(key)):
            continue
        kept.append(quote(pair, safe=_QUERY_SAFE))
    return _PERCENT_ESCAPE.sub(lambda m: m.group(0).upper(), "&".join(kept))


# --- registrable_domain ------------------------------------------------------------------


def registrable_domain(url_or_host: str) -> str:
    """The name a site registered: ``https://www.bbc.co.uk/news`` -> ``bbc.co.uk``.

    IP addresses and single-label hosts (``localhost``) come back as they are. Suffixes
    under which names are registered (``co.uk``, ``com.au``) come from
    ``data/public_suffixes.txt``; otherwise the last label is the suffix, which also covers
    reserved test names such as ``site.example``.

    Raises:
        BadURLError: when no host can be read from the argument.
    """
    text = (url_or_host or "").strip()
    if "://" in text or text.startswith("//"):
        try:
            host = urlsplit(text).hostname or ""
        except ValueError as exc:
            raise BadURLError(f"not a valid URL: {text!r} ({exc})") from exc
    else:
        host = _host_without_port(text)
    host = _canonical_host(host)
    if not host:
        raise BadURLError(f"no host in {url_or_host!r}")
    if _is_ip(host):
        return host
    labels = host.split(".")
    if len(labels) <= 2:
        return host
    suffixes = _public_suffixes()
    # Longest listed suffix wins ("nhs.uk" inside "x.nhs.uk"); unlisted -> the TLD alone.
    suffix_length = 1
    for length in range(len(labels) - 1, 1, -1):
        if ".".join(labels[-length:]) in suffixes:
            suffix_length = length
            break
    return ".".join(labels[-(suffix_length + 1) :])


def _host_without_port(text: str) -> str:
    text = text.split("/", 1)[0]
    if text.startswith("["):  # [::1]:8080
        return text[1:].split("]", 1)[0]
    if text.count(":") == 1:  # host:port (a bare IPv6 address has several colons)
        return text.split(":", 1)[0]
    return text


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def same_site(url_a: str, url_b: str) -> bool:
    """Whether two URLs belong to the same registrable domain (false when either is bad)."""
    try:
        return registrable_domain(url_a) == registrable_domain(url_b)
    except BadURLError:
        return False


# --- canonical_from_html -----------------------------------------------------------------


def canonical_from_html(
    html: str, page_url: str, *, trusted_hosts: Iterable[str] = ()
) -> str | None:
    """The page's own canonical URL (``<link rel=canonical>``, then ``og:url``), or None.

    Only an http(s) URL on the page's registrable domain is accepted: a page may not claim
    another outlet's URL, which would let one site's copy pass for another's. Pages served
    from ``trusted_hosts`` (a local mirror; setting ``canonical_trusted_hosts``) may name
    any site. A canonical link to the site's home page from an article is ignored too,
    since misconfigured templates put that on every page and it would merge all of a
    site's articles into one.
    """
    if not html or not html.strip():
        return None
    try:
        page = canonical_url(page_url)
    except BadURLError:
        log.warning("canonical_from_html: page URL %r is not usable", page_url)
        return None
    trusted = {_canonical_host(_host_without_port(h)) for h in trusted_hosts if h}
    page_trusted = (urlsplit(page).hostname or "") in trusted
    # Only <base>, <link> and <meta> matter: found by a linear scan and parsed as a flat
    # list, since a whole page nested 40,000 deep took Lexbor seconds (quorum.markup).
    tree = LexborHTMLParser("\n".join(tags_outside_text(html, _HEAD_TAGS)))
    base = page
    base_node = tree.css_first("base[href]")
    if base_node is not None:
        base = _resolve_or_none(base_node.attributes.get("href") or "", page) or page
    for candidate in _canonical_candidates(tree):
        resolved = _resolve_or_none(candidate, base)
        if resolved is None:
            continue
        if not page_trusted and not same_site(resolved, page):
            log.info("canonical_from_html: %s claims %s (other site), ignored", page, resolved)
            continue
        if urlsplit(resolved).path == "/" and urlsplit(page).path != "/" and not page_trusted:
            log.info("canonical_from_html: %s points at the home page, ignored", page)
            continue
        return resolved
    return None


def _canonical_candidates(tree: LexborHTMLParser) -> list[str]:
    found = []
    for node in tree.css("link[rel][href]"):
        rel = (node.attributes.get("rel") or "").lower().split()
        if "canonical" in rel:
            found.append(node.attributes.get("href") or "")
    for node in tree.css("meta[property][content], meta[name][content]"):
        name = (node.attributes.get("property") or node.attributes.get("name") or "").lower()
        if name == "og:url":
            found.append(node.attributes.get("content") or "")
    return [href.strip() for href in found if href and href.strip()]


def _resolve_or_none(href: str, base: str) -> str | None:
    try:
        return canonical_url(href, base=base)
    except BadURLError:
        return None


# A day in a URL path: /2019/09/04/, /2019-09-04-slug, /20190904/; or a year and month folder
# with a slug ending in the same yymmdd (the CMS layout of /news/2018/11/slug-181120115807.html).
_URL_DAY = re.compile(
    r"/((?:19|20)\d\d)([/-]?)(0[1-9]|1[0-2]|[1-9](?=/))\2(0[1-9]|[12]\d|3[01]|[1-9](?=/))(?=[/-]|$)"
)
_URL_MONTH_SLUG = re.compile(
    r"/((?:19|20)\d\d)/(0[1-9]|1[0-2])/[^/]*?-(\d\d)(\d\d)(\d\d)\d*\.html?$"
)


def date_from_url(url: str) -> datetime | None:
    """The publication day a URL's path states, at noon UTC (the day, not the hour, is
    known); None when the path states no full day. Used only for articles that came with
    no date: a day from the URL keeps an undated article out of the content-blind pile."""
    path = urlsplit(url).path if "://" in url else ""
    found = _URL_DAY.search(path)
    if found:
        year, month, day = int(found[1]), int(found[3]), int(found[4])
    else:
        slug = _URL_MONTH_SLUG.search(path)
        if not slug or slug[1][2:] != slug[3] or slug[2] != slug[4]:
            return None
        year, month, day = int(slug[1]), int(slug[2]), int(slug[5])
    try:
        return datetime(year, month, day, 12, tzinfo=UTC)
    except ValueError:  # 31 April and the like
        return None
