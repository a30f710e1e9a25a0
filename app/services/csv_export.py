"""CSV cells that a spreadsheet will not execute (formula injection)."""

from __future__ import annotations

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """Return `value`, with text that a spreadsheet would run as a formula made inert."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_row(*values: object) -> list[object]:
    """Return a row of CSV cells made safe for spreadsheets."""
    return [safe_cell(v) for v in values]
