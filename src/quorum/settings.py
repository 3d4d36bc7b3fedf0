"""Settings: one table of (name, default, help), read from ``quorum.toml``.

Every setting Quorum reads is declared here exactly once, so the README and the
methodology page can list them all, and a test fails when one is undocumented.
``quorum.toml`` is looked up in the working directory unless ``--config`` names a file.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class Setting:
    name: str
    default: Any
    help: str


SETTINGS: tuple[Setting, ...] = (
    # storage
    Setting(
        "database",
        "quorum.db",
        "SQLite path or SQLAlchemy URL (postgresql+psycopg://...). "
        "Overridden by --db and by QUORUM_DATABASE_URL.",
    ),
    # distributed workers (quorum.workers); empty: every stage runs in one process
    Setting(
        "broker_url",
        "",
        "Celery broker (amqp://user:pass@host:5672/vhost, RabbitMQ) that `quorum worker` "
        "and `quorum scheduler` share; empty (the default): `run` and `build` work in one "
        "process. Overridden by QUORUM_BROKER_URL.",
    ),
    Setting(
        "shared_limits_url",
        "",
        "Redis URL (redis://host:6379/0) where fetch workers share their per-host limits "
        "(per_host_concurrency, per_host_delay, Crawl-delay), so the limits hold over all "
        "workers together; empty: each worker process keeps its own.",
    ),
    Setting(
        "task_max_retries",
        3,
        "Times a worker task that raised is retried (with backoff) before it is logged "
        "in the fetch log as `task_failed` and dropped, so a poison input cannot loop.",
    ),
    # fetching
    Setting(
        "user_agent",
        "QuorumBot/0.1 (+https://github.com/quorum-desk/quorum; news aggregation for analysts)",
        "User-Agent header sent with every request.",
    ),
    Setting("connect_timeout", 5.0, "Seconds to wait for a TCP/TLS connection."),
    Setting("read_timeout", 15.0, "Seconds to wait for the whole response body."),
    Setting("retries", 2, "Extra attempts after a timeout, connection error or 5xx/429."),
    Setting("retry_backoff", 0.5, "Seconds before the first retry; doubles after each."),
    Setting("max_redirects", 5, "Redirects followed before a fetch fails as redirect_loop."),
    Setting("max_body_bytes", 10_000_000, "Bodies larger than this are refused (too_large)."),
    Setting("per_host_concurrency", 2, "Requests in flight to one host at a time."),
    Setting("per_host_delay", 0.5, "Seconds between the starts of two requests to one host."),
    Setting("concurrency", 8, "Requests in flight over all hosts."),
    Setting("respect_robots", True, "Obey robots.txt (fetched once per host per run)."),
    Setting(
        "allow_private_hosts",
        False,
        "Allow loopback, private and link-local addresses. "
        "Off by default so a feed cannot point Quorum at internal services.",
    ),
    Setting("fetch_pages", True, "Fetch each feed item's page; when off, use feed summaries."),
    Setting("max_items_per_feed", 500, "Newest items taken from one feed per poll."),
    # 300: 500 new items from one fast site take about 250 s at the default spacing
    # (per_host_delay), so a normal feed finishes in one poll; pages trickling 1 byte/s or
    # a 10 s Crawl-delay get the budget's worth of items a poll instead of holding a run
    # for hours. 900: a `quorum run --every 15m` loop does not fall behind.
    Setting(
        "feed_budget",
        300.0,
        "Seconds for fetching the item pages of one feed (Crawl-delay waits "
        "included); items not fetched by then are logged as `budget` and fetched by the "
        "next poll. 0: no limit.",
    ),
    Setting(
        "run_budget",
        900.0,
        "Seconds for a whole poll of all feeds; feeds and items not fetched by then are "
        "logged as `budget` and fetched by the next poll. 0: no limit.",
    ),
    Setting(
        "canonical_trusted_hosts",
        [],
        "Hosts (a local mirror, the demo server) whose "
        "pages may name a canonical URL on any domain; elsewhere a page's canonical URL "
        "must stay on its own site, so a hostile page cannot pose as another outlet.",
    ),
    # fetching: retry politeness (quorum.fetch)
    Setting(
        "max_retry_after",
        30.0,
        "Longest Retry-After (seconds) a 429/503 retry waits; a "
        "server asking for longer fails at once rather than being retried early.",
    ),
    # feeds
    Setting("feeds", [], "Feed URLs polled by `quorum run`, beside the outlet registry's."),
    Setting("use_registry_feeds", True, "Also poll the feeds listed in the outlet registry."),
    # beat filter
    # 4.0: best F1 on the tuning half of data/beat_labels (3.0 let in articles with one
    # medium term plus a weak one, e.g. "armed forces" + "war"); see `quorum eval beat`.
    Setting("beat_threshold", 4.0, "Beat score at or above which an article is in-beat."),
    # story assembly (quorum.assemble); defaults tuned by `quorum eval clustering`
    Setting(
        "cluster_threshold",
        0.33,
        "Similarity (text, names and lead-article cosines "
        "plus recency bonus) at which an arriving article joins an active story.",
    ),
    Setting(
        "story_expire_days",
        90.0,
        "Days without a new article after which a story "
        "leaves the active index (later articles start a new story).",
    ),
    Setting(
        "story_followup_days",
        730.0,
        "Days within which a story of three or more articles "
        "still takes follow-ups (a trial, a verdict) instead of expiring.",
    ),
    # 0.8: copies with a changed headline or a trimmed ending keep > 0.85 of their 5-word
    # shingles; separate rewrites of one wire story stay near 0.5.
    Setting(
        "near_duplicate_containment",
        0.8,
        "Share of the shorter article's 5-word "
        "shingles found in the other for two articles to count as one copied source.",
    ),
    # entities and sentiment (quorum.enrich.entities, quorum.enrich.sentiment)
    Setting(
        "ner_model",
        # classical by default: on CoNLL-2003 validation it scored micro F1 0.88 against
        # 0.66 for spaCy's en_core_web_sm (`quorum eval ner --path ...`).
        "classical",
        "Entity recognizer: `gazetteer` (beat gazetteer only), "
        "`classical` (gazetteer + the shipped perceptron tagger), `spacy` (gazetteer + "
        "spaCy en_core_web_sm, the `ner` extra) or `auto` (spaCy when installed).",
    ),
    # classic: MiniLM reads NewsMTSC better (held-out macro-F1 0.69 vs 0.63) but SemEval
    # headlines and judged real-news story tiers worse (data/sentiment/TIERS.md).
    Setting(
        "sentiment_model",
        "classic",
        "Sentence sentiment model: `minilm` (fine-tuned MiniLM, int8 ONNX run by "
        "onnxruntime; falls back to classic when either is missing) or `classic` (linear "
        "model + VADER lexicon).",
    ),
    # 3: enough to show why an article reads as it does without repeating its whole text.
    Setting(
        "sentiment_evidence_sentences",
        3,
        "Sentences kept as evidence of an article's "
        "or story's sentiment (those pulling hardest its way).",
    ),
    # editorial gate (quorum.gate)
    Setting(
        "min_sources",
        2,
        "Independent sources a story (and each key fact) needs to be published as verified.",
    ),
    Setting(
        "single_source_policy",
        "hold",
        "Stories with fewer than min_sources: `hold` "
        "(kept off the home page until a second source agrees) or `label` (shown marked "
        '"Single source — unverified").',
    ),
    # 8: "reported, not verified" is a short list of what to be careful about, not a second
    # copy of the story; on real news it averaged 41 items per story before ranking and a cap.
    Setting(
        "hedged_shown",
        8,
        'Claims shown under "Reported, not verified" on a story page (hedged or '
        "unattributed, most widely reported first); the rest are in the story's JSON.",
    ),
    # web site (quorum.web)
    Setting("site_title", "Quorum", "Name shown in the page header, titles and feeds."),
    Setting(
        "site_url",
        "",
        "Public base URL of the site (https://desk.example.org/), used "
        "for absolute links in Atom feeds and webhooks; empty: the address `quorum serve` "
        "listens on (relative links when that is every interface), never the request's Host.",
    ),
    # 20: a screenful of cards; each page reads exactly this many rows (+1 to know if
    # there is a next page), so the home page stays fast at any database size.
    Setting("page_size", 20, "Stories per page on the home, entity and search pages."),
    Setting("feed_entries", 50, "Entries in each Atom feed (newest first)."),
    Setting(
        "webhook_urls",
        [],
        "URLs that receive a JSON POST for each new action item "
        "(impact at or above the rubric's action_item_threshold) after a build.",
    ),
    Setting("webhook_timeout", 5.0, "Seconds to wait for a webhook receiver to answer."),
    # optional generative summary (quorum.compose.llm); extractive takeaways when off
    Setting(
        "llm_base_url",
        "",
        "OpenAI-compatible endpoint (http://host:port or .../v1) "
        "for the optional written summary; empty (the default) turns it off.",
    ),
    Setting("llm_model", "", "Model name sent to the LLM endpoint."),
    Setting(
        "llm_api_key_env",
        "QUORUM_LLM_API_KEY",
        "Environment variable holding the "
        "endpoint's API key (the key itself never goes in the settings file).",
    ),
    Setting(
        "llm_timeout",
        20.0,
        "Seconds to wait for the LLM endpoint before falling back to the extractive takeaways.",
    ),
    # 0.7: a faithful paraphrase keeps most content words of its source sentences; an
    # added claim brings words no source has (tests/test_llm_writer.py).
    Setting(
        "llm_min_support",
        0.7,
        "Share of a generated sentence's content words its "
        "supporting source sentences must contain, or the sentence is dropped.",
    ),
)

_BY_NAME = {s.name: s for s in SETTINGS}


@dataclass(frozen=True)
class Config:
    """Resolved settings: defaults, overridden by the TOML file, overridden by the CLI."""

    values: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None

    def __getattr__(self, name: str) -> Any:
        if name in _BY_NAME:
            return self.values.get(name, _BY_NAME[name].default)
        raise AttributeError(name)

    def with_overrides(self, **overrides: Any) -> Config:
        values = dict(self.values)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return Config(values, self.path)


class ConfigError(ValueError):
    """A settings file that cannot be used, with the reason in the message."""


def load_config(path: str | Path | None = None, cwd: Path | None = None) -> Config:
    """Read settings from ``path``, or ``./quorum.toml`` when it exists, else defaults."""
    if path is None:
        candidate = (cwd or Path.cwd()) / "quorum.toml"
        if not candidate.exists():
            return _with_env(Config())
        path = candidate
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"config file not found: {path}")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    raw = raw.get("quorum", raw)  # allow a [quorum] table or top-level keys
    unknown = sorted(set(raw) - set(_BY_NAME))
    if unknown:
        raise ConfigError(f"{path}: unknown setting(s): {', '.join(unknown)}")
    for name, value in raw.items():
        default = _BY_NAME[name].default
        if default is not None and not _same_kind(default, value):
            raise ConfigError(f"{path}: {name} should be {type(default).__name__}, got {value!r}")
    return _with_env(Config(dict(raw), path))


def _same_kind(default: Any, value: Any) -> bool:
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, type(default))


def _with_env(config: Config) -> Config:
    url = os.environ.get("QUORUM_DATABASE_URL")
    broker = os.environ.get("QUORUM_BROKER_URL")
    return config.with_overrides(database=url or None, broker_url=broker or None)


def settings_markdown() -> str:
    """The settings table as Markdown, for the README and the methodology page."""
    rows = ["| setting | default | what it does |", "| --- | --- | --- |"]
    for s in SETTINGS:
        rows.append(f"| `{s.name}` | `{s.default!r}` | {s.help} |")
    return "\n".join(rows)
