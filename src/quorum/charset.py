"""Character decoding of fetched pages and feeds, the way browsers do it.

Pages arrive in every encoding (windows-1252, Shift_JIS, mislabelled UTF-8); extraction
needs text. ``decode_html`` follows the browsers' order of evidence and refuses bytes that
no encoding turns into text, rather than passing garbage down the pipeline.
"""

from __future__ import annotations

import codecs
import logging
import re

from quorum.records import FetchResult

log = logging.getLogger(__name__)


class UndecodableError(ValueError):
    """Bytes that no plausible character encoding turns into text."""


# Browsers read these labels as the wider Windows code pages (WHATWG Encoding Standard), and
# pages labelled with them do use the extra characters (curly quotes, euro sign ...).
_BROWSER_CODECS = {
    "iso8859-1": "cp1252",
    "ascii": "cp1252",
    "iso8859-9": "cp1254",
    "tis-620": "cp874",
    "shift_jis": "cp932",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "euc_kr": "cp949",
}
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([a-z0-9_:.\-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]*?encoding\s*=\s*["']([a-z0-9_.\-]+)""", re.IGNORECASE)
# Pages put long scripts and styles before <meta charset>; look further than the 1 KiB
# browsers prescan, but not through the whole document.
_META_SCAN_BYTES = 8192
_JUNK = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufffd]")
# A declared or guessed encoding is used when at most this share of the characters comes out
# as replacement or control characters: it tolerates a few broken bytes in a long page.
_ACCEPT_JUNK = 0.01
# Above this share even the cp1252 fallback is garbage (random bytes give about 14 %, text
# in any real encoding well under 1 %): the bytes are not text.
_UNDECODABLE_JUNK = 0.05


def decode_html(result_or_bytes: FetchResult | bytes, declared: str | None = None) -> str:
    """Text of an HTML page (or feed) whatever its encoding.

    Order: a byte-order mark (it overrides any label, as in browsers), the charset declared
    in the HTTP header (``declared``, or the result's ``encoding``), ``<meta charset>`` /
    ``http-equiv`` / the XML declaration, UTF-8, and finally cp1252.

    Raises:
        UndecodableError: when even the fallback gives mostly control/replacement
            characters; the caller logs "undecodable" and skips the page.
    """
    if isinstance(result_or_bytes, FetchResult):
        body = result_or_bytes.body
        declared = declared or result_or_bytes.encoding
    else:
        body = bytes(result_or_bytes)
    if not body:
        return ""
    bom_codec = _bom_codec(body)
    if bom_codec is not None:
        return body.decode(bom_codec, errors="replace")
    tried: set[str] = set()
    for label, source in ((declared, "header"), (_meta_charset(body), "meta"), ("utf-8", "")):
        codec = _codec_for(label, from_meta=source == "meta")
        if codec is None or codec in tried:
            continue
        if codec.startswith(("utf-16", "utf-32")) and b"\x00" not in body[:1024]:
            continue  # a UTF-16/32 label on bytes without NULs is a misconfigured server
        tried.add(codec)
        text = body.decode(codec, errors="replace")
        if _junk_share(text) <= _ACCEPT_JUNK:
            return text
        log.debug("decode_html: %s charset %s gives garbage, trying the next", source, label)
    text = body.decode("cp1252", errors="replace")
    share = _junk_share(text)
    if share > _UNDECODABLE_JUNK:
        raise UndecodableError(
            f"{len(body)} bytes decode to {share:.0%} control or replacement characters "
            f"(tried {', '.join(sorted(tried)) or 'nothing'} and cp1252)"
        )
    return text


def _bom_codec(body: bytes) -> str | None:
    if body.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if body.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return None


def _meta_charset(body: bytes) -> str | None:
    head = body[:_META_SCAN_BYTES]
    match = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    return match.group(1).decode("ascii", errors="ignore") if match else None


def _codec_for(label: str | None, *, from_meta: bool = False) -> str | None:
    """Python codec name for a charset label, or None when the label is unknown."""
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().strip("\"'").lower()).name
    except (LookupError, ValueError):
        log.debug("decode_html: unknown charset label %r", label)
        return None
    if from_meta and name.startswith(("utf-16", "utf-32")):
        # A <meta> that could be read as ASCII cannot be UTF-16; browsers take UTF-8.
        return "utf-8"
    return _BROWSER_CODECS.get(name, name)


def _junk_share(text: str) -> float:
    return len(_JUNK.findall(text)) / len(text) if text else 0.0
