"""The explicit context a command works in: settings, store, outlet registry, beat scorer.

Built once per command from the CLI options and passed down, instead of import-time
globals, so tests and workers can run several desks side by side.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from quorum.beat import BeatScorer
from quorum.outlets import OutletRegistry
from quorum.settings import Config, load_config
from quorum.store import Store


@dataclass
class Desk:
    config: Config
    store: Store
    registry: OutletRegistry
    beat: BeatScorer

    @classmethod
    def open(
        cls,
        db: str | None = None,
        config_path: str | Path | None = None,
        *,
        extra_outlets: Sequence[Path] = (),
        create: bool = True,
        **overrides: Any,
    ) -> Desk:
        """The desk for ``db`` (or the configured database); ``create`` False: a SQLite file
        that does not exist is a ``StoreError``, not a new empty database."""
        config = load_config(config_path).with_overrides(database=db, **overrides)
        store = Store.open(config.database, create=create)
        registry = OutletRegistry.load(extra_outlets)
        beat = BeatScorer.load(threshold=config.beat_threshold)
        return cls(config, store, registry, beat)

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Desk:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
