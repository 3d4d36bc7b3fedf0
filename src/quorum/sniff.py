"""What a fetched body is, whatever its Content-Type says: binary, HTML, a feed, JSON.

Servers mislabel content (feeds as text/html, pages as octet-stream, error pages as XML),
so the fetcher looks at the first bytes before trusting a body to the feed parser or the
extractor.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from typing import Literal

# Share of control bytes (NUL and other C0 codes but tab, newlines, form feed and escape)
# above which a body is binary: text in any encoding but UTF-16/32 (recognised by their
# BOM) has almost none, while random or compressed bytes have about 11 %.
_MAX_CONTROL_SHARE = 0.05
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27)) + b"\x7f"
_SNIFF_BYTES = 4096
_BINARY_MAGIC = (
    b"%PDF",
    b"\x89PNG",
    b"GIF8",
    b"\xff\xd8\xff",
    b"PK\x03\x04",
    b"\x1f\x8b",
    b"RIFF",
    b"OggS",
    b"ID3",
    b"\x00\x00\x01\x00",
    b"wOFF",
    b"wOF2",
)
_BINARY_TYPE_PREFIXES = ("image/", "audio/", "video/", "font/", "model/")
_BINARY_TYPES = frozenset(
    {
        "application/pdf",
        "application/zip",
        "application/gzip",
        "application/x-gzip",
        "application/x-tar",
        "application/x-7z-compressed",
        "application/x-rar-compressed",
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.ms-powerpoint",
        "application/x-shockwave-flash",
        "application/wasm",
        "application/x-msdownload",
    }
)
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_FEED_TYPE_WORDS = ("xml", "rss", "atom", "rdf", "json")


@dataclass(frozen=True, slots=True)
class Mismatch:
    """A body that is not what the caller asked for: the reason code and a phrase."""

    reason: str  # binary_content | html_not_feed | unexpected_type
    detail: str


def parse_content_type(value: str | None) -> tuple[str | None, str | None]:
    """(media type, charset) from a Content-Type header, lower-cased."""
    if not value:
        return None, None
    media_type, _, params = value.partition(";")
    charset = None
    match = re.search(r"charset\s*=\s*[\"']?([^\"';\s]+)", params, re.IGNORECASE)
    if match:
        charset = match.group(1).lower()
    return media_type.strip().lower() or None, charset


def is_binary_type(media_type: str | None) -> bool:
    if not media_type:
        return False
    return (
        media_type.startswith(_BINARY_TYPE_PREFIXES)
        or media_type in _BINARY_TYPES
        or media_type.startswith("application/vnd.openxmlformats")
    )


def content_mismatch(body: bytes, media_type: str | None, kind: str) -> Mismatch | None:
    """Why the body is not what ``kind`` (feed, page, any) asked for, or None when it is."""
    if looks_binary(body):
        return Mismatch("binary_content", "sent binary bytes, not text")
    shape = sniff_markup(body)
    if media_type == "application/octet-stream" and shape == "other":
        return Mismatch("binary_content", "is application/octet-stream and not markup")
    if kind == "feed":
        if shape == "html":
            return Mismatch("html_not_feed", "is an HTML page, not a feed")
        feed_type = bool(media_type) and any(w in media_type for w in _FEED_TYPE_WORDS)
        if not feed_type and shape not in ("feed", "xml", "json") and body.strip():
            return Mismatch("unexpected_type", f"is {media_type or 'unlabelled'}, not a feed")
    elif kind == "page":
        if shape == "feed":
            return Mismatch("unexpected_type", "is a feed, not an HTML page")
        if media_type in _HTML_TYPES or shape == "html":
            return None
        if shape == "feed" or (
            media_type and media_type not in ("text/plain", "application/octet-stream")
        ):
            return Mismatch("unexpected_type", f"is {media_type or shape}, not an HTML page")
        if body.strip():
            return Mismatch("unexpected_type", f"is {media_type or 'unlabelled'}, not an HTML page")
    return None


_BOMS = (
    codecs.BOM_UTF8,
    codecs.BOM_UTF32_LE,
    codecs.BOM_UTF32_BE,
    codecs.BOM_UTF16_LE,
    codecs.BOM_UTF16_BE,
)


def looks_binary(body: bytes) -> bool:
    """Whether bytes are an image, archive, PDF ... rather than text in some encoding."""
    sample = body[:_SNIFF_BYTES]
    if not sample or sample.startswith(_BOMS):
        return False
    if sample.startswith(_BINARY_MAGIC):
        return True
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    return controls / len(sample) > _MAX_CONTROL_SHARE


def sniff_markup(body: bytes) -> Literal["feed", "html", "xml", "json", "other"]:
    """What the start of a body looks like, whatever its Content-Type claims."""
    head = body[:_SNIFF_BYTES]
    for bom in _BOMS:
        if head.startswith(bom):
            encoding = {codecs.BOM_UTF8: "utf-8"}.get(bom, "utf-16" if len(bom) == 2 else "utf-32")
            head = head.decode(encoding, errors="ignore").encode("ascii", errors="ignore")
            break
    text = head.decode("latin-1").lstrip().lower()
    # Comments and processing instructions may precede the root element.
    stripped = re.sub(r"^(?:<\?.*?\?>|<!--.*?-->|\s)+", "", text, flags=re.DOTALL)
    if re.match(r"<(?:rss|feed|rdf:rdf|rdf)\b", stripped):
        return "feed"
    if stripped.startswith(("<!doctype html", "<html", "<head", "<body")) or (
        re.search(r"<html[\s>]", text) and not re.search(r"<(?:rss|feed|rdf:rdf)\b", text)
    ):
        return "html"
    if text.startswith("<?xml") or stripped.startswith("<"):
        return "xml"
    if stripped.startswith(("{", "[")):
        return "json"
    return "other"
