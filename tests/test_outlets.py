"""The outlet registry: packaged data, owner groups, on-the-fly outlets, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from quorum.outlets import KINDS, OutletRegistry, OutletRegistryError
from quorum.records import Outlet
from quorum.urls import BadURLError

NBC_STATIONS = [
    "nbcchicago.com",
    "nbcdfw.com",
    "nbcconnecticut.com",
    "nbcnewyork.com",
    "nbcwashington.com",
    "nbclosangeles.com",
    "nbcbayarea.com",
    "nbcboston.com",
    "nbcmiami.com",
    "nbcsandiego.com",
    "nbcphiladelphia.com",
    "nbc.com",
    "nbcnews.com",
]
SIGHTLINE = [
    "defensenews.com",
    "c4isrnet.com",
    "federaltimes.com",
    "armytimes.com",
    "navytimes.com",
    "airforcetimes.com",
]
REQUIRED = [
    "spacenews.com",
    "breakingdefense.com",
    "defensescoop.com",
    "twz.com",
    "airandspaceforces.com",
    "spaceflightnow.com",
    "nasaspaceflight.com",
    "spacepolicyonline.com",
    "arstechnica.com",
    "reuters.com",
    "apnews.com",
    "afp.com",
    "defenseone.com",
    "nationaldefensemagazine.org",
    "aviationweek.com",
    "janes.com",
    "military.com",
    "stripes.com",
    "taskandpurpose.com",
    "defense.gov",
    "nasa.gov",
    "spaceforce.mil",
    "af.mil",
    "army.mil",
    "navy.mil",
    "esa.int",
    *SIGHTLINE,
    *NBC_STATIONS,
]
FIXTURES = Path(__file__).parent / "fixtures" / "sample_site"


@pytest.fixture(scope="module")
def registry() -> OutletRegistry:
    return OutletRegistry.load()


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "extra_outlets.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_packaged_registry_lists_the_beat_outlets(registry: OutletRegistry) -> None:
    domains = {outlet.domain for outlet in registry}
    assert not set(REQUIRED) - domains
    assert len(registry) == len(domains) >= 60
    for outlet in registry:
        assert outlet.kind in KINDS - {"unknown"}, outlet
        assert outlet.name and outlet.owner and outlet.country, outlet
        assert all(url.startswith("https://") for url in outlet.feeds), outlet


def test_station_groups_share_one_owner(registry: OutletRegistry) -> None:
    assert {registry.owner_of(d) for d in NBC_STATIONS} == {"NBCUniversal"}
    assert {registry.owner_of(d) for d in SIGHTLINE} == {"Sightline Media Group"}
    assert registry.owner_of("twz.com") == registry.owner_of("taskandpurpose.com")
    assert registry.owner_of("defensescoop.com") == "Scoop News Group"
    assert registry.owner_of("spacenews.com") != registry.owner_of("breakingdefense.com")
    assert set(NBC_STATIONS) <= {o.domain for o in registry.by_owner("NBCUniversal")}
    # A few other station groups are there as examples of owner groups.
    for owner in ("Sinclair Broadcast Group", "Nexstar Media Group", "TEGNA"):
        assert len(registry.by_owner(owner)) >= 2, owner


def test_lookup_accepts_urls_hosts_and_subdomains(registry: OutletRegistry) -> None:
    assert registry.lookup("https://www.nbcchicago.com/news/local/x/123/").name == "NBC Chicago"
    assert registry.lookup("feeds.nbcnews.com").domain == "nbcnews.com"
    assert registry.lookup("https://www.bbc.co.uk/news/science").owner == "BBC"
    assert registry.get("WWW.SpaceNews.com").name == "SpaceNews"
    assert "defensenews.com" in registry
    assert "unlisted-site.org" not in registry


def test_unknown_domain_gets_an_outlet_of_its_own(registry: OutletRegistry) -> None:
    outlet = registry.lookup("https://www.orbit-blog.co.uk/2026/10/post.html?utm_source=x")
    assert outlet.domain == "orbit-blog.co.uk"
    assert outlet.name == "orbit-blog.co.uk"
    assert outlet.owner == "orbit-blog.co.uk"
    assert outlet.kind == "unknown"
    assert registry.get("orbit-blog.co.uk") is None
    assert registry.owner_of("news.orbit-blog.co.uk") == "orbit-blog.co.uk"
    with pytest.raises(BadURLError):
        registry.lookup("")


def test_default_feeds_are_unique_and_skip_feedless_outlets(registry: OutletRegistry) -> None:
    feeds = registry.default_feeds()
    assert len(feeds) == len(set(feeds))
    assert "https://spacenews.com/feed/" in feeds
    assert registry.get("reuters.com").feeds == ()
    assert sum(len(o.feeds) for o in registry) >= len(feeds) > 40


def test_extra_file_overrides_and_adds(tmp_path: Path) -> None:
    extra = write(
        tmp_path,
        """
[[outlet]]
domain = "spacenews.com"
name = "SpaceNews"
owner = "New Owner Holdings"
kind = "trade"

[[outlet]]
domain = "desk-own-source.org"
name = "Desk Own Source"
kind = "blog"
feeds = ["https://desk-own-source.org/rss"]
""",
    )
    base = OutletRegistry.load()
    registry = OutletRegistry.load([extra])
    assert len(registry) == len(base) + 1
    assert registry.owner_of("spacenews.com") == "New Owner Holdings"
    assert registry.owner_of("desk-own-source.org") == "desk-own-source.org"  # no owner given
    assert registry.default_feeds()[-1] == "https://desk-own-source.org/rss"


def test_sample_newsroom_file_loads_as_an_extra_registry() -> None:
    registry = OutletRegistry.load([FIXTURES / "outlets.toml"])
    assert registry.owner_of("kvtr7news.example") == registry.owner_of("lakeshore12.example")
    assert registry.get("orbitalwire.example").kind == "wire"
    assert registry.get("orbitalwire.example").feeds == ()  # demo feeds come from SampleSite


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[[outlet]]\ndomain = "x.com"\n', "'name' must be a non-empty string"),
        ('[[outlet]]\ndomain = "x.com"\nname = "X"\nkind = "magazine"\n', "'kind' must be"),
        ('[[outlet]]\ndomain = "x.com"\nname = "X"\nowners = "Y"\n', "unknown key(s) owners"),
        ('[[outlet]]\ndomain = "www.x.com"\nname = "X"\n', "registrable domain such as 'x.com'"),
        (
            '[[outlet]]\ndomain = "x.com"\nname = "X"\nfeeds = "https://x.com/feed"\n',
            "'feeds' must be a list",
        ),
        ('[[outlet]]\ndomain = "x.com"\nname = "X"\ncountry = "usa"\n', "two-letter code"),
        (
            '[[outlet]]\ndomain = "x.com"\nname = "X"\n[[outlet]]\ndomain = "x.com"\nname = "Y"\n',
            "listed twice",
        ),
        ('[[outlet]\ndomain = "x.com"\n', "not valid TOML"),
        ('outlet = "x.com"\n', "array of tables"),
    ],
)
def test_broken_registry_file_gives_a_clear_error(tmp_path: Path, body: str, message: str) -> None:
    path = write(tmp_path, body)
    with pytest.raises(OutletRegistryError) as caught:
        OutletRegistry.load([path])
    text = str(caught.value)
    assert str(path) in text
    assert message in text


def test_error_names_the_entry(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[[outlet]]\ndomain = "ok.com"\nname = "Ok"\n\n[[outlet]]\ndomain = "bad.com"\nname = ""\n',
    )
    with pytest.raises(OutletRegistryError, match=r"outlet #2 \('bad.com'\)"):
        OutletRegistry.load([path])


def test_missing_registry_file_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(OutletRegistryError, match="cannot read outlet registry"):
        OutletRegistry.load([missing])


def test_add_accepts_one_outlet_or_several() -> None:
    registry = OutletRegistry()
    registry.add(Outlet("a.example", "A", owner="Group"))
    registry.add([Outlet("b.example", "B", owner="Group"), Outlet("a.example", "A2")])
    assert len(registry) == 2
    assert registry.get("a.example").name == "A2"  # the last one wins
    assert [o.domain for o in registry.by_owner("Group")] == ["b.example"]


@pytest.mark.parametrize(
    ("outlets", "owner"),
    [
        (("foxnews.com", "www.foxbusiness.com"), "Fox Corporation"),
        (("nypost.com", "online.wsj.com", "marketwatch.com"), "News Corp"),
        (("nbcnews.com", "msnbc.com", "cnbc.com"), "NBCUniversal"),
        (("politico.com", "businessinsider.com"), "Axel Springer"),
        (("usatoday.com", "floridatoday.com"), "Gannett"),
        (("abcnews.go.com",), "The Walt Disney Company"),
        (("edition.cnn.com",), "Warner Bros. Discovery"),
    ],
)
def test_media_groups_are_one_owner(registry: OutletRegistry, outlets, owner) -> None:
    assert {registry.owner_of(o) for o in outlets} == {owner}


def test_every_shared_owner_names_its_source_document() -> None:
    """An owner string shared by several outlets merges them into one source, so the
    ownership fact must say where it comes from (``owner_source``)."""
    import tomllib
    from collections import Counter
    from importlib import resources

    raw = tomllib.loads((resources.files("quorum") / "data" / "outlets.toml").read_text("utf-8"))
    shared = Counter(e["owner"] for e in raw["outlet"] if "owner" in e)
    missing = [
        e["domain"]
        for e in raw["outlet"]
        if shared.get(e.get("owner"), 0) > 1 and not e.get("owner_source", "").strip()
    ]
    assert missing == []


def test_owner_source_needs_an_owner(tmp_path: Path) -> None:
    path = tmp_path / "outlets.toml"
    path.write_text('[[outlet]]\ndomain = "a.example"\nname = "A"\nowner_source = "10-K"\n')
    with pytest.raises(OutletRegistryError, match="owner_source"):
        OutletRegistry.load([path])


def test_domain_named_finds_an_outlet_by_its_name(registry: OutletRegistry) -> None:
    assert registry.domain_named("Fox Business") == "foxbusiness.com"
    assert registry.domain_named("reuters.com") == "reuters.com"
    assert registry.domain_named("Nobody Listed") is None
