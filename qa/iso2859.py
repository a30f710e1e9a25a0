"""The ISO 2859-1 / MIL-STD-105E single-sampling tables, entered as printed, and their lookup.

Table I gives the sample-size code letter from the lot size and inspection level. Tables II-A
(normal), II-B (tightened) and II-C (reduced) give, per code letter and AQL, either a plan
"Ac/Re" or an arrow: "v" = use the first plan below the arrow, "^" = the first plan above.
Each master table is printed in two halves (AQL 0.010-1.0 and 1.5-1000) to fit the page.

Sources: MIL-STD-105E (10 May 1989), Tables I, II-A, II-B, II-C; identical single-sampling
plans in ISO 2859-1:1989 and ANSI/ASQ Z1.4. In Table II-C the rows A, B and C share n = 2; a
cell there whose arrow leads to another n = 2 plan holds that plan, which selects the same
plan. Row S (n = 3150) of Table II-B is reached only through the arrows of rows Q and R.
Checked against the resolved tables of Lawson, J. (2021), An Introduction to Acceptance
Sampling and SPC with R, CRC Press, https://doi.org/10.1201/9781003100270 (R package
AQLSchemes).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

from qa._data import check_choice
from qa.errors import QAError

LEVELS = ("S-1", "S-2", "S-3", "S-4", "I", "II", "III")
INSPECTIONS = ("normal", "tightened", "reduced")
AQLS = (
    0.010, 0.015, 0.025, 0.040, 0.065, 0.10, 0.15, 0.25, 0.40, 0.65, 1.0, 1.5, 2.5,
    4.0, 6.5, 10.0, 15.0, 25.0, 40.0, 65.0, 100.0, 150.0, 250.0, 400.0, 650.0, 1000.0,
)  # fmt: skip

# Table I: lot size (up to and including) -> code letter per inspection level.
CODE_LETTERS = """
lot_max  S-1 S-2 S-3 S-4  I  II III
8          A   A   A   A  A   A   B
15         A   A   A   A  A   B   C
25         A   A   B   B  B   C   D
50         A   B   B   C  C   D   E
90         B   B   C   C  C   E   F
150        B   B   C   D  D   F   G
280        B   C   D   E  E   G   H
500        B   C   D   E  F   H   J
1200       C   C   E   F  G   J   K
3200       C   D   E   G  H   K   L
10000      C   D   F   G  J   L   M
35000      C   D   F   H  K   M   N
150000     D   E   G   J  L   N   P
500000     D   E   G   J  M   P   Q
inf        D   E   H   K  N   Q   R
"""

SAMPLE_SIZES = {
    "normal": dict(zip("ABCDEFGHJKLMNPQR", (2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315,
                                             500, 800, 1250, 2000), strict=True)),
    "tightened": dict(zip("ABCDEFGHJKLMNPQRS", (2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315,
                                                500, 800, 1250, 2000, 3150), strict=True)),
    "reduced": dict(zip("ABCDEFGHJKLMNPQR", (2, 2, 2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200,
                                              315, 500, 800), strict=True)),
}  # fmt: skip

# Table II-A, normal inspection.
NORMAL_1 = """
   0.010 0.015 0.025 0.040 0.065  0.10  0.15  0.25  0.40  0.65   1.0
A      v     v     v     v     v     v     v     v     v     v     v
B      v     v     v     v     v     v     v     v     v     v     v
C      v     v     v     v     v     v     v     v     v     v     v
D      v     v     v     v     v     v     v     v     v     v     v
E      v     v     v     v     v     v     v     v     v     v   0/1
F      v     v     v     v     v     v     v     v     v   0/1     ^
G      v     v     v     v     v     v     v     v   0/1     ^     v
H      v     v     v     v     v     v     v   0/1     ^     v   1/2
J      v     v     v     v     v     v   0/1     ^     v   1/2   2/3
K      v     v     v     v     v   0/1     ^     v   1/2   2/3   3/4
L      v     v     v     v   0/1     ^     v   1/2   2/3   3/4   5/6
M      v     v     v   0/1     ^     v   1/2   2/3   3/4   5/6   7/8
N      v     v   0/1     ^     v   1/2   2/3   3/4   5/6   7/8 10/11
P      v   0/1     ^     v   1/2   2/3   3/4   5/6   7/8 10/11 14/15
Q    0/1     ^     v   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22
R      ^     ^   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22     ^
"""

NORMAL_2 = """
     1.5   2.5   4.0   6.5    10    15    25    40    65   100   150   250   400   650  1000
A      v     v     v   0/1     v     v   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22 30/31
B      v     v   0/1     ^     v   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22 30/31 44/45
C      v   0/1     ^     v   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22 30/31 44/45     ^
D    0/1     ^     v   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22 30/31 44/45     ^     ^
E      ^     v   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22 30/31 44/45     ^     ^     ^
F      v   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22     ^     ^     ^     ^     ^     ^
G    1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22     ^     ^     ^     ^     ^     ^     ^
H    2/3   3/4   5/6   7/8 10/11 14/15 21/22     ^     ^     ^     ^     ^     ^     ^     ^
J    3/4   5/6   7/8 10/11 14/15 21/22     ^     ^     ^     ^     ^     ^     ^     ^     ^
K    5/6   7/8 10/11 14/15 21/22     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^
L    7/8 10/11 14/15 21/22     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^
M  10/11 14/15 21/22     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^
N  14/15 21/22     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^
P  21/22     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^
Q      ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^
R      ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^
"""

# Table II-B, tightened inspection.
TIGHTENED_1 = """
   0.010 0.015 0.025 0.040 0.065  0.10  0.15  0.25  0.40  0.65   1.0
A      v     v     v     v     v     v     v     v     v     v     v
B      v     v     v     v     v     v     v     v     v     v     v
C      v     v     v     v     v     v     v     v     v     v     v
D      v     v     v     v     v     v     v     v     v     v     v
E      v     v     v     v     v     v     v     v     v     v     v
F      v     v     v     v     v     v     v     v     v     v   0/1
G      v     v     v     v     v     v     v     v     v   0/1     v
H      v     v     v     v     v     v     v     v   0/1     v     v
J      v     v     v     v     v     v     v   0/1     v     v   1/2
K      v     v     v     v     v     v   0/1     v     v   1/2   2/3
L      v     v     v     v     v   0/1     v     v   1/2   2/3   3/4
M      v     v     v     v   0/1     v     v   1/2   2/3   3/4   5/6
N      v     v     v   0/1     v     v   1/2   2/3   3/4   5/6   8/9
P      v     v   0/1     v     v   1/2   2/3   3/4   5/6   8/9 12/13
Q      v   0/1     v     v   1/2   2/3   3/4   5/6   8/9 12/13 18/19
R    0/1     ^     v   1/2   2/3   3/4   5/6   8/9 12/13 18/19     ^
S      ^     ^   1/2     ^     ^     ^     ^     ^     ^     ^     ^
"""

TIGHTENED_2 = """
     1.5   2.5   4.0   6.5    10    15    25    40    65   100   150   250   400   650  1000
A      v     v     v     v     v     v     v   1/2   2/3   3/4   5/6   8/9 12/13 18/19 27/28
B      v     v     v   0/1     v     v   1/2   2/3   3/4   5/6   8/9 12/13 18/19 27/28 41/42
C      v     v   0/1     v     v   1/2   2/3   3/4   5/6   8/9 12/13 18/19 27/28 41/42     ^
D      v   0/1     v     v   1/2   2/3   3/4   5/6   8/9 12/13 18/19 27/28 41/42     ^     ^
E    0/1     v     v   1/2   2/3   3/4   5/6   8/9 12/13 18/19 27/28 41/42     ^     ^     ^
F      v     v   1/2   2/3   3/4   5/6   8/9 12/13 18/19     ^     ^     ^     ^     ^     ^
G      v   1/2   2/3   3/4   5/6   8/9 12/13 18/19     ^     ^     ^     ^     ^     ^     ^
H    1/2   2/3   3/4   5/6   8/9 12/13 18/19     ^     ^     ^     ^     ^     ^     ^     ^
J    2/3   3/4   5/6   8/9 12/13 18/19     ^     ^     ^     ^     ^     ^     ^     ^     ^
K    3/4   5/6   8/9 12/13 18/19     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^
L    5/6   8/9 12/13 18/19     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^
M    8/9 12/13 18/19     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^
N  12/13 18/19     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^
P  18/19     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^
Q      ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^
R      ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^
S      ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^
"""

# Table II-C, reduced inspection (Re > Ac + 1: a gap; see qa.sampling.SwitchingRules).
REDUCED_1 = """
   0.010 0.015 0.025 0.040 0.065  0.10  0.15  0.25  0.40  0.65   1.0
A      v     v     v     v     v     v     v     v     v     v     v
B      v     v     v     v     v     v     v     v     v     v     v
C      v     v     v     v     v     v     v     v     v     v     v
D      v     v     v     v     v     v     v     v     v     v     v
E      v     v     v     v     v     v     v     v     v     v   0/1
F      v     v     v     v     v     v     v     v     v   0/1     ^
G      v     v     v     v     v     v     v     v   0/1     ^     v
H      v     v     v     v     v     v     v   0/1     ^     v   0/2
J      v     v     v     v     v     v   0/1     ^     v   0/2   1/3
K      v     v     v     v     v   0/1     ^     v   0/2   1/3   1/4
L      v     v     v     v   0/1     ^     v   0/2   1/3   1/4   2/5
M      v     v     v   0/1     ^     v   0/2   1/3   1/4   2/5   3/6
N      v     v   0/1     ^     v   0/2   1/3   1/4   2/5   3/6   5/8
P      v   0/1     ^     v   0/2   1/3   1/4   2/5   3/6   5/8  7/10
Q    0/1     ^     v   0/2   1/3   1/4   2/5   3/6   5/8  7/10 10/13
R      ^     ^   0/2   1/3   1/4   2/5   3/6   5/8  7/10 10/13     ^
"""

REDUCED_2 = """
     1.5   2.5   4.0   6.5    10    15    25    40    65   100   150   250   400   650  1000
A      v   0/1   0/1   0/1   0/2   0/2   1/2   2/3   3/4   5/6   7/8 10/11 14/15 21/22 30/31
B      v   0/1   0/1   0/1   0/2   0/2   1/3   2/4   3/5   5/6   7/8 10/11 14/15 21/22 30/31
C      v   0/1   0/1     v   0/2   1/3   1/4   2/5   3/6   5/8  7/10 10/13 14/17 21/24 30/31
D    0/1     ^     v   0/2   1/3   1/4   2/5   3/6   5/8  7/10 10/13 14/17 21/24     ^     ^
E      ^     v   0/2   1/3   1/4   2/5   3/6   5/8  7/10 10/13 14/17 21/24     ^     ^     ^
F      v   0/2   1/3   1/4   2/5   3/6   5/8  7/10 10/13     ^     ^     ^     ^     ^     ^
G    0/2   1/3   1/4   2/5   3/6   5/8  7/10 10/13     ^     ^     ^     ^     ^     ^     ^
H    1/3   1/4   2/5   3/6   5/8  7/10 10/13     ^     ^     ^     ^     ^     ^     ^     ^
J    1/4   2/5   3/6   5/8  7/10 10/13     ^     ^     ^     ^     ^     ^     ^     ^     ^
K    2/5   3/6   5/8  7/10 10/13     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^
L    3/6   5/8  7/10 10/13     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^
M    5/8  7/10 10/13     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^
N   7/10 10/13     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^
P  10/13     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^
Q      ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^
R      ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^     ^
"""

_HALVES = {
    "normal": (NORMAL_1, NORMAL_2),
    "tightened": (TIGHTENED_1, TIGHTENED_2),
    "reduced": (REDUCED_1, REDUCED_2),
}


def _rows(text: str) -> list[list[str]]:
    return [line.split() for line in text.strip().splitlines()[1:]]


@cache
def master_table(inspection: str) -> dict[str, tuple[str, ...]]:
    """Return {code letter: 26 cells, one per AQL} of a master table."""
    low, high = (_rows(half) for half in _HALVES[inspection])
    return {a[0]: tuple(a[1:] + b[1:]) for a, b in zip(low, high, strict=True)}


@cache
def code_letter_table() -> list[tuple[float, dict[str, str]]]:
    """Return Table I as [(largest lot size, {level: code letter})], by increasing lot size."""
    lines = CODE_LETTERS.strip().splitlines()
    levels = lines[0].split()[1:]
    table = []
    for line in lines[1:]:
        lot_max, *letters = line.split()
        table.append((float(lot_max), dict(zip(levels, letters, strict=True))))
    return table


@dataclass(frozen=True)
class Plan:
    """A single-sampling plan: inspect n items, accept the lot with at most `accept` defects.

    `reject` > `accept` + 1 only in MIL-STD-105E reduced plans: in between, the lot is accepted
    but normal inspection is reinstated. `code` is the sample-size code letter (None for a
    designed plan); `hundred_percent` is True when n was capped at the lot size.
    """

    code: str | None
    n: int
    accept: int
    reject: int
    hundred_percent: bool = False


def aql_index(aql: float, lang: str | None) -> int:
    for i, value in enumerate(AQLS):
        if math.isclose(aql, value, rel_tol=1e-9):
            return i
    raise QAError("unknown_aql", lang, aql=aql, choices=", ".join(f"{a:g}" for a in AQLS))


def code_letter(lot_size: int, level: str = "II", *, lang: str | None = None) -> str:
    """Return the ISO 2859-1 Table I sample-size code letter."""
    check_choice("level", level, LEVELS)
    if lot_size < 2:
        raise QAError("out_of_range", lang, name="lot_size", rule=">= 2", value=lot_size)
    return next(row[level] for lot_max, row in code_letter_table() if lot_size <= lot_max)


def _resolve(inspection: str, letter: str, column: int) -> tuple[str, str]:
    """Follow the arrows of a master table from (letter, AQL column) to a plan cell."""
    table = master_table(inspection)
    letters = list(table)
    row = letters.index(letter)
    while (cell := table[letters[row]][column]) in ("v", "^"):
        row += 1 if cell == "v" else -1
    return letters[row], cell


def iso2859_single(
    lot_size: int,
    aql: float,
    *,
    level: str = "II",
    inspection: str = "normal",
    lang: str | None = None,
) -> Plan:
    """Return the ISO 2859-1 / MIL-STD-105E single-sampling plan for a lot.

    The code letter comes from Table I; the master table of the inspection severity gives the
    plan, following its arrows. When n reaches the lot size, every item is inspected
    (n = lot size, ``hundred_percent=True``).

    References
    ----------
    ISO 2859-1:1999, Tables 1, 2-A, 2-B, 2-C; MIL-STD-105E (1989), Tables I, II-A, II-B, II-C.

    Examples
    --------
    >>> iso2859_single(1000, 1.0)
    Plan(code='J', n=80, accept=2, reject=3, hundred_percent=False)
    """
    check_choice("inspection", inspection, INSPECTIONS)
    letter = code_letter(lot_size, level, lang=lang)
    final, cell = _resolve(inspection, letter, aql_index(aql, lang))
    accept, reject = (int(v) for v in cell.split("/"))
    n = SAMPLE_SIZES[inspection][final]
    if n >= lot_size:
        return Plan(final, int(lot_size), accept, reject, hundred_percent=True)
    return Plan(final, n, accept, reject)
