"""Reading evaluation datasets: JSONL rows, with bad lines logged and skipped.

A public dataset with one broken line should still be scored on the rest, and the log
should say which line was dropped and why.
"""

from __future__ import annotations

import gzip
import json
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")


class SkipRow(ValueError):
    """Raised by a row parser for a row that is well-formed JSON but unusable."""


def read_jsonl(path: Path, parse: Callable[[Any], T | None]) -> Iterator[T]:
    """``parse(row)`` of each non-blank line of a JSONL (or .jsonl.gz) file.

    Lines that are not JSON, or that ``parse`` rejects (with SkipRow, KeyError, TypeError or
    ValueError) are logged with their line number and skipped; ``None`` drops a row quietly.
    """
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                parsed = parse(json.loads(line))
            except (json.JSONDecodeError, SkipRow, KeyError, TypeError, ValueError) as exc:
                log.warning("%s:%d: skipped (%s)", path, n, exc)
                continue
            if parsed is not None:
                yield parsed
