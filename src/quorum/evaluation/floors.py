"""Quality floors pinned in files, checked by ``quorum eval ... --check``.

A floor file (``quorum/data/floors/<eval>.json``) maps a dataset's file name to the sha256
of the file the floor was measured on and the minimum figures::

    {"ecbplus-dev.jsonl": {"sha256": "...", "floors": {"bcubed_f1": 0.93}}}

Floors only go up by editing that file in a reviewed commit; ``check`` never rewrites it.
A dataset whose hash differs from the pinned one is still checked, with a warning, since
held-out copies of a dataset are expected to differ.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path


@dataclass(frozen=True, slots=True)
class FloorCheck:
    """The outcome of checking one run's figures against the pinned floors."""

    dataset: str
    failures: tuple[str, ...]
    warnings: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.failures


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def load_floors(eval_name: str) -> dict:
    """The floors pinned for one eval (empty when none are pinned)."""
    ref = resources.files("quorum") / "data" / "floors" / f"{eval_name}.json"
    if not ref.is_file():
        return {}
    return json.loads(ref.read_text(encoding="utf-8"))


def check_floors(eval_name: str, dataset: Path, figures: dict[str, float]) -> FloorCheck:
    """Compare ``figures`` of a run on ``dataset`` with the floors pinned for that file name."""
    pinned = load_floors(eval_name).get(dataset.name)
    if pinned is None:
        return FloorCheck(
            dataset.name,
            (f"no floors pinned for {dataset.name} in data/floors/{eval_name}.json",),
            (),
        )
    warnings = []
    if pinned.get("sha256") and pinned["sha256"] != file_sha256(dataset):
        warnings.append(f"{dataset.name} differs from the file the floors were pinned on")
    failures = []
    for key, floor in pinned["floors"].items():
        got = figures.get(key)
        if got is None:
            failures.append(f"{key}: not measured")
        elif got < floor:
            failures.append(f"{key} = {got:.4f} is below the floor {floor:.4f}")
    return FloorCheck(dataset.name, tuple(failures), tuple(warnings))
