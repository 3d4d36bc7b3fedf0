"""The outlet registry: which publication a URL belongs to, and who owns it.

Independence is counted per owner group, not per site: NBC Chicago and NBC New York run
one NBCUniversal script, so they are one source. The registry is data
(``quorum/data/outlets.toml``, one ``[[outlet]]`` table per publication); extra files in the
same format (the demo newsroom's ``data/sample/outlets.toml``, a desk's own list) are
loaded after it and override entries with the same domain. A domain nobody listed still gets
an outlet, made on the fly, that is its own owner, so an unknown site is never merged with
another by accident.
"""

from __future__ import annotations

import logging
import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from quorum.records import Outlet
from quorum.urls import BadURLError, registrable_domain

log = logging.getLogger(__name__)

KINDS = frozenset({"wire", "newspaper", "broadcaster", "trade", "government", "blog", "unknown"})
REQUIRED_KEYS = ("domain", "name")
# owner_source: the public document stating the ownership (annual report, about page), kept
# beside the fact so a reader can check it; the registry reads it only to validate it.
OPTIONAL_KEYS = ("owner", "owner_source", "country", "kind", "feeds")
# Keys of the demo newsroom's outlets.toml (quorum.sample_site); the registry ignores them so
# the demo file can be loaded as an extra registry file as it is.
DEMO_KEYS = frozenset({"feed_format", "feed_path", "template"})
COUNTRY_CODE = re.compile(r"^[A-Z]{2}$")  # ISO 3166-1 alpha-2, as in the registry file
PACKAGED_NAME = "quorum/data/outlets.toml"


class OutletRegistryError(ValueError):
    """A registry file that cannot be used; the message names the file and the entry."""


def outlet_from_entry(entry: Any, where: str) -> Outlet:
    """Validate one ``[[outlet]]`` table and build its record.

    Args:
        entry: the parsed TOML table.
        where: how to name the entry in an error (``file: outlet #3 ('x.com')``).

    Raises:
        OutletRegistryError: a missing or mistyped key, an unknown key (a typo such as
            ``owners`` would otherwise silently split an owner group), a bad domain or kind.
    """
    if not isinstance(entry, Mapping):
        raise OutletRegistryError(f"{where}: an outlet must be a table, got {entry!r}")
    unknown = sorted(set(entry) - set(REQUIRED_KEYS) - set(OPTIONAL_KEYS) - DEMO_KEYS)
    if unknown:
        allowed = ", ".join(REQUIRED_KEYS + OPTIONAL_KEYS)
        raise OutletRegistryError(
            f"{where}: unknown key(s) {', '.join(unknown)} (allowed: {allowed})"
        )
    for key in REQUIRED_KEYS:
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise OutletRegistryError(f"{where}: {key!r} must be a non-empty string")
    domain = entry["domain"].strip()
    try:
        registrable = registrable_domain(domain)
    except BadURLError as exc:
        raise OutletRegistryError(f"{where}: bad domain {domain!r}: {exc}") from exc
    if registrable != domain:
        raise OutletRegistryError(
            f"{where}: domain must be a registrable domain such as {registrable!r}, got {domain!r}"
        )
    owner = entry.get("owner")
    if owner is not None and (not isinstance(owner, str) or not owner.strip()):
        raise OutletRegistryError(f"{where}: 'owner' must be a non-empty string")
    owner_source = entry.get("owner_source")
    if owner_source is not None and (
        owner is None or not isinstance(owner_source, str) or not owner_source.strip()
    ):
        raise OutletRegistryError(
            f"{where}: 'owner_source' must be a non-empty string (a document's name) "
            "and needs an 'owner'"
        )
    country = entry.get("country")
    if country is not None and (not isinstance(country, str) or not COUNTRY_CODE.match(country)):
        raise OutletRegistryError(
            f"{where}: 'country' must be a two-letter code such as 'US', got {country!r}"
        )
    kind = entry.get("kind", "unknown")
    if kind not in KINDS:
        raise OutletRegistryError(
            f"{where}: 'kind' must be one of {', '.join(sorted(KINDS))}, got {kind!r}"
        )
    feeds = entry.get("feeds", [])
    if not isinstance(feeds, list) or not all(
        isinstance(url, str) and url.startswith(("http://", "https://")) for url in feeds
    ):
        raise OutletRegistryError(f"{where}: 'feeds' must be a list of http(s) URLs")
    return Outlet(
        domain=domain,
        name=entry["name"].strip(),
        owner=owner.strip() if owner else None,
        country=country,
        kind=kind,
        feeds=tuple(feeds),
    )


def parse_outlets(text: str, source: str) -> list[Outlet]:
    """Every outlet of one registry file's text; ``source`` names the file in errors."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise OutletRegistryError(f"{source}: not valid TOML: {exc}") from exc
    entries = raw.get("outlet", [])
    if not isinstance(entries, list):
        raise OutletRegistryError(f"{source}: 'outlet' must be an array of tables ([[outlet]])")
    outlets: list[Outlet] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries, start=1):
        label = entry.get("domain", "?") if isinstance(entry, Mapping) else "?"
        where = f"{source}: outlet #{index} ({label!r})"
        outlet = outlet_from_entry(entry, where)
        if outlet.domain in seen:
            raise OutletRegistryError(f"{where}: domain {outlet.domain!r} listed twice")
        seen.add(outlet.domain)
        outlets.append(outlet)
    return outlets


def _read(path: Path) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise OutletRegistryError(f"{path}: cannot read outlet registry: {exc}") from exc


class OutletRegistry:
    """Outlets by registrable domain, with owner groups and the feeds to poll."""

    def __init__(self, outlets: Iterable[Outlet] = ()) -> None:
        self._outlets: dict[str, Outlet] = {}
        for outlet in outlets:
            self.add(outlet)

    @classmethod
    def load(cls, paths: Sequence[Path] = ()) -> OutletRegistry:
        """The packaged registry, then each extra file (later entries win on a domain)."""
        packaged = (resources.files("quorum") / "data" / "outlets.toml").read_text("utf-8")
        registry = cls(parse_outlets(packaged, PACKAGED_NAME))
        for path in paths:
            for outlet in parse_outlets(_read(Path(path)), str(path)):
                if outlet.domain in registry._outlets:
                    log.debug("%s overrides the registry entry for %s", path, outlet.domain)
                registry.add(outlet)
        return registry

    def add(self, outlets: Outlet | Iterable[Outlet]) -> None:
        """Add or replace one outlet or several (keyed by domain; the last one wins)."""
        for outlet in [outlets] if isinstance(outlets, Outlet) else outlets:
            self._outlets[outlet.domain] = outlet

    def get(self, domain: str) -> Outlet | None:
        """The listed outlet for a domain, host or URL; None when unlisted or unreadable."""
        try:
            return self._outlets.get(registrable_domain(domain))
        except BadURLError:
            return None

    def lookup(self, url_or_domain: str) -> Outlet:
        """The outlet for a URL or domain; an unlisted domain gets one made on the fly.

        The on-the-fly outlet is its own owner (so it is independent of every other) and of
        kind ``unknown``.

        Raises:
            BadURLError: when no host can be read from the argument.
        """
        domain = registrable_domain(url_or_domain)
        listed = self._outlets.get(domain)
        if listed is not None:
            return listed
        return Outlet(domain=domain, name=domain, owner=domain, kind="unknown")

    def owner_of(self, domain: str) -> str:
        """The owner group of a domain or URL; an unlisted or ownerless domain owns itself."""
        outlet = self.lookup(domain)
        return outlet.owner or outlet.domain

    def domain_named(self, name: str) -> str | None:
        """The domain of the listed outlet called ``name`` (an RSS ``<source>`` title, any
        case) or whose domain it is; None when nobody listed it."""
        folded = name.strip().lower()
        if folded in self._outlets:
            return folded
        return next((d for d, o in self._outlets.items() if o.name.lower() == folded), None)

    def by_owner(self, owner: str) -> list[Outlet]:
        """Every listed outlet of one owner group, in registry order."""
        return [o for o in self._outlets.values() if (o.owner or o.domain) == owner]

    def default_feeds(self) -> list[str]:
        """Every feed URL in the registry, once each, in registry order."""
        return list(dict.fromkeys(url for o in self._outlets.values() for url in o.feeds))

    def __iter__(self) -> Iterator[Outlet]:
        return iter(list(self._outlets.values()))

    def __len__(self) -> int:
        return len(self._outlets)

    def __contains__(self, domain: object) -> bool:
        return isinstance(domain, str) and self.get(domain) is not None
