"""Seconds each test file takes, at a base revision and at the working tree, one run after
the other on the same machine: the figures of the CI-time work (docs/benchmarks.md).

    .venv/bin/python bench/tests/times.py 275b391 tests/web/test_demo.py tests/api/test_fuzz.py

Each side is one pytest run over the files given (--durations=0, summed per file: setup,
call and teardown). The base side runs from a `git worktree` of BASE, its `cop` imported
from there (PYTHONPATH before the editable install). COP_DATABASE_URL set: the PostgreSQL
pass's figures; COP_TEST_PORTS is passed on."""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LINE = re.compile(r"\s*([\d.]+)s (?:setup|call|teardown)\s+(tests/[^:]+)::")


def measure(tree: Path, files: list[str]) -> tuple[Counter, float, str]:
    command = [sys.executable, "-m", "pytest", *files, "--durations=0", "-p", "no:cacheprovider"]
    env = {**os.environ, "PYTHONPATH": str(tree)}
    start = time.monotonic()
    run = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True)
    wall = time.monotonic() - start
    if run.returncode != 0:
        sys.exit(f"pytest failed in {tree}:\n{run.stdout[-5000:]}{run.stderr[-2000:]}")
    per_file: Counter = Counter()
    for line in run.stdout.splitlines():
        if match := LINE.match(line):
            per_file[match.group(2)] += float(match.group(1))
    return per_file, wall, run.stdout.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base", help="the revision to compare with, e.g. 275b391")
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cop-times-") as folder:
        base_tree = Path(folder) / "base"
        subprocess.run(
            ["git", "-C", str(REPO), "worktree", "add", "--detach", str(base_tree), args.base],
            check=True,
            capture_output=True,
        )
        try:
            before, before_wall, before_summary = measure(base_tree, args.files)
        finally:
            subprocess.run(
                ["git", "-C", str(REPO), "worktree", "remove", "--force", str(base_tree)],
                check=True,
            )
    after, after_wall, after_summary = measure(REPO, args.files)
    backend = "PostgreSQL" if os.environ.get("COP_DATABASE_URL") else "SQLite"
    print(f"{backend}; load average (1 min) at the end: {os.getloadavg()[0]:.1f}")
    print(f"{'file':55} {args.base:>9} {'now':>9}")
    for name in sorted(set(before) | set(after)):
        print(f"{name:55} {before[name]:9.1f} {after[name]:9.1f}")
    print(f"{'whole run (wall)':55} {before_wall:9.1f} {after_wall:9.1f}")
    print(f"base: {before_summary}\nnow:  {after_summary}")


if __name__ == "__main__":
    main()
