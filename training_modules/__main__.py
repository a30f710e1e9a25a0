"""`python -m training_modules lint [RULE_SET ...] [--lang zh_CN]`: the training linter."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from training_modules.lint import lint_all, lint_modules


def main(argv: Sequence[str] | None = None) -> int:
    """Print the findings of the shipped (or the given) rule sets' modules; 1 on any error."""
    parser = argparse.ArgumentParser(prog="python -m training_modules")
    commands = parser.add_subparsers(dest="command", required=True)
    lint = commands.add_parser("lint", help="check training modules (file:line messages)")
    lint.add_argument("rule_sets", nargs="*", help="rule-set files (default: the shipped ones)")
    lint.add_argument("--lang", choices=("en", "zh_CN"), default=None)
    args = parser.parse_args(argv)
    if args.rule_sets:
        findings = sorted(
            {f for path in args.rule_sets for f in lint_modules(path, lang=args.lang)}
        )
    else:
        findings = lint_all(args.lang)
    for finding in findings:
        print(finding.format())
    errors = sum(f.is_error for f in findings)
    print(f"{errors} error(s), {len(findings) - errors} warning(s)", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
