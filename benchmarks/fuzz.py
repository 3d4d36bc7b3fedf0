"""The fuzz properties of tests/test_fuzz.py, run long: many examples, or for some minutes.

    python benchmarks/fuzz.py --examples 5000
    python benchmarks/fuzz.py --minutes 30 --examples 1000   # rounds of 1000 until time is up

Each round runs pytest on tests/test_fuzz.py with QUORUM_FUZZ_EXAMPLES set and a fresh
random seed, and prints which properties ran and how they ended. A failure prints the
smallest failing input; hypothesis also keeps it in .hypothesis/ and tries it first next run.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests" / "test_fuzz.py"
_OUTCOMES = ("PASSED", "FAILED", "XFAIL", "XPASS", "ERROR", "SKIPPED")


def run_round(examples: int, seed: int, extra: list[str]) -> tuple[int, dict[str, str]]:
    """One pytest run of every property; (exit code, property -> outcome)."""
    env = {**os.environ, "QUORUM_FUZZ_EXAMPLES": str(examples)}
    command = [sys.executable, "-m", "pytest", str(TESTS), "-rA", "-q"]
    command += [f"--hypothesis-seed={seed}", "-o", "timeout=0", *extra]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    outcomes = {}
    for line in done.stdout.splitlines():  # -rA's summary: "PASSED tests/test_fuzz.py::name"
        words = line.split()
        if len(words) >= 2 and words[0] in _OUTCOMES and "::" in words[1]:
            outcomes[words[1].split("::")[-1]] = words[0]
    if done.returncode not in (0, 1):  # not a test failure: pytest itself went wrong
        print(done.stdout[-3000:], done.stderr[-3000:], sep="\n")
    elif any(o in ("FAILED", "ERROR") for o in outcomes.values()):
        print(done.stdout[-20000:])
    return done.returncode, outcomes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--examples", type=int, default=5000, help="examples per property")
    parser.add_argument("--minutes", type=float, default=0, help="repeat rounds this long")
    parser.add_argument("-k", default="", help="only properties matching (pytest -k)")
    args = parser.parse_args()
    extra = ["-k", args.k] if args.k else []
    deadline = time.monotonic() + args.minutes * 60
    worst = 0
    rounds = 0
    while True:
        seed = random.randrange(2**32)
        start = time.monotonic()
        code, outcomes = run_round(args.examples, seed, extra)
        rounds += 1
        worst = max(worst, code)
        print(
            f"round {rounds}: seed {seed}, {args.examples} examples a property, "
            f"{time.monotonic() - start:.0f} s"
        )
        for name, outcome in sorted(outcomes.items()):
            print(f"  {outcome:7} {name}")
        if code != 0 or time.monotonic() >= deadline:
            break
    return worst


if __name__ == "__main__":
    sys.exit(main())
