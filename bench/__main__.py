"""Run the benchmarks: `python -m bench [qa|ls|load|door] [options]`; without a name, ls, load
and door.

The qa suite needs the reference packages of `.venv-ref` (see bench/qa/__main__.py) and runs
when they are importable.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys

SUITES = ("qa", "ls", "load", "door")


def run_suite(suite: str, args: list[str]) -> int:
    """Run one suite's `main` with `args` as its command line."""
    module = importlib.import_module(f"bench.{suite}.__main__")
    if suite == "qa":  # Its main() reads sys.argv.
        sys.argv = [f"bench.{suite}", *args]
        return module.main() or 0
    return module.main(args) or 0


def main(argv: list[str]) -> int:
    """Dispatch to one suite, or run every suite that can run here."""
    if argv and argv[0] in SUITES:
        return run_suite(argv[0], argv[1:])
    if argv:
        print(f"usage: python -m bench [{'|'.join(SUITES)}] [options]", file=sys.stderr)
        return 2
    status = 0
    for suite in SUITES:
        if suite == "qa" and importlib.util.find_spec("crowdkit") is None:
            print("bench qa: skipped (run it with .venv-ref/bin/python -m bench.qa)")
            continue
        print(f"== bench {suite}", flush=True)
        status |= run_suite(suite, [])
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
