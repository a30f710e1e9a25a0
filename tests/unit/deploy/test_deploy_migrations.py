"""Migrations expand before they contract, so that they are safe while older processes serve.

An upgrade may add tables, nullable (or defaulted) columns and indexes. Dropping, renaming
or tightening belongs to a later "contract" migration, which says so in its docstring
(a line starting "Contract:" naming the release that stopped using what it removes).
See docs/deploy.md.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

VERSIONS = Path(__file__).resolve().parents[3] / "migrations" / "versions"
CONTRACTING = {"drop_table", "drop_column", "rename_table", "drop_constraint", "alter_column"}


def _upgrade(tree: ast.Module) -> ast.FunctionDef:
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == "upgrade":
            return node
    raise ValueError("no upgrade() function")


def _keyword(call: ast.Call, name: str):
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    return None


def _problems(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    doc = ast.get_docstring(tree) or ""
    if any(line.strip().startswith("Contract:") for line in doc.splitlines()):
        return []
    problems = []
    for node in ast.walk(_upgrade(tree)):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        name = node.func.attr
        if name in CONTRACTING:
            problems.append(f"line {node.lineno}: {name} in upgrade()")
        if name == "add_column":
            column = node.args[-1] if node.args else None
            if isinstance(column, ast.Call):
                nullable = _keyword(column, "nullable")
                default = _keyword(column, "server_default")
                if (isinstance(nullable, ast.Constant) and nullable.value is False
                        and default is None):
                    problems.append(f"line {node.lineno}: a NOT NULL column without a "
                                    "server default")
    return problems


@pytest.mark.parametrize("path", sorted(VERSIONS.glob("*.py")), ids=lambda p: p.name)
def test_each_migration_only_expands_unless_it_says_it_contracts(path):
    assert _problems(path) == []


def test_the_check_catches_a_contracting_upgrade(tmp_path):
    bad = tmp_path / "0099_bad.py"
    bad.write_text('"""Rename things."""\nimport sqlalchemy as sa\nfrom alembic import op\n\n'
                   "def upgrade():\n    op.drop_column('users', 'locale')\n"
                   "    op.add_column('users', sa.Column('x', sa.Integer(), nullable=False))\n\n"
                   "def downgrade():\n    pass\n")
    assert [p.split(":")[0] for p in _problems(bad)] == ["line 6", "line 7"]
    marked = tmp_path / "0100_contract.py"
    marked.write_text(bad.read_text().replace('"""Rename things."""',
                                              '"""Drop.\n\nContract: unused since 0.4."""'))
    assert _problems(marked) == []
