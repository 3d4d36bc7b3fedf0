"""The benchmark scripts still run (at toy sizes; their figures are not checked here)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).parent.parent / "benchmarks" / "bench_clustering.py"


def _bench_module():
    spec = importlib.util.spec_from_file_location("bench_clustering", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses and worker functions look it up
    spec.loader.exec_module(module)
    return module


def test_clustering_benchmark_weighing_in_a_worker_gives_the_same_stories():
    bench = _bench_module()
    alone = bench.run_one(1500, per_day=200, seed=3, workers=0)
    staged = bench.run_one(1500, per_day=200, seed=3, workers=1)
    assert alone["active_stories_at_end"] == staged["active_stories_at_end"]
    assert 1 < staged["active_stories_at_end"] < 1500  # some articles joined stories


def test_clustering_benchmark_command_prints_its_figures():
    out = subprocess.run(
        [sys.executable, str(BENCH), "--sizes", "400"],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    ).stdout
    assert "400 articles:" in out and "articles/s clustering" in out and "peak RSS" in out
