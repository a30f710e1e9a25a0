"""Every broken rule file of the corpus gets its specific message at the right line.

Each file under corpus/ starts with `# fault: ...` and one `# expect: CODE line N` per
finding it must produce. The linter must report exactly those (code, line) pairs, in
English and in Chinese, and never raise.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from labeling_rules import lint_paths, lint_text
from labeling_rules.messages import CATALOGUE
from labeling_rules.source import MAX_BYTES

CORPUS = Path(__file__).with_name("corpus")
FILES = sorted(CORPUS.glob("*.yaml"))
EXPECT = re.compile(rb"^# expect: (?P<code>[EW]\d{3}) line (?P<line>\d+)$", re.MULTILINE)


def expected(path: Path) -> list[tuple[str, int]]:
    """Return the (code, line) pairs a corpus file declares in its header."""
    return sorted((m["code"].decode(), int(m["line"])) for m in EXPECT.finditer(path.read_bytes()))


def test_corpus_covers_at_least_25_distinct_faults():
    codes = {code for path in FILES for code, _ in expected(path)}
    assert len(FILES) >= 25
    assert len(codes) >= 25, sorted(codes)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_broken_file_gets_its_message_at_its_line(path: Path):
    wanted = expected(path)
    assert wanted, f"{path.name} declares no '# expect:' line"
    english = lint_paths([path], lang="en")
    chinese = lint_paths([path], lang="zh_CN")
    assert sorted((f.code, f.line) for f in english) == wanted
    # Both languages name the same place; the words differ and name no placeholder.
    assert [(f.line, f.column, f.code) for f in english] == [
        (f.line, f.column, f.code) for f in chinese
    ]
    for en, zh in zip(english, chinese, strict=True):
        assert en.message != zh.message
        assert "{" not in en.message and "{" not in zh.message
        assert re.search(r"[\u4e00-\u9fff]", zh.message)
        assert en.format().startswith(f"{path}:{en.line}:{en.column}: ")


def test_every_catalogued_code_has_both_languages():
    for code, entry in CATALOGUE.items():
        assert entry["en"] and entry["zh_CN"], code


def test_oversized_file_is_refused_before_parsing(tmp_path: Path):
    big = tmp_path / "big.yaml"
    big.write_bytes(b"# padding\n" * (MAX_BYTES // 10 + 1))
    [finding] = lint_paths([big])
    assert (finding.code, finding.line, finding.column) == ("E001", 1, 1)
    [from_text] = lint_text(big.read_bytes(), source_name="big.yaml")
    assert from_text.code == "E001"


def test_missing_path_is_a_finding_not_an_exception(tmp_path: Path):
    [finding] = lint_paths([tmp_path / "nope.yaml"], lang="zh_CN")
    assert finding.code == "E007"
    assert "文件不存在" in finding.message


def test_directory_without_rule_files_warns(tmp_path: Path):
    [finding] = lint_paths([tmp_path])
    assert (finding.code, finding.severity) == ("W009", "warning")
