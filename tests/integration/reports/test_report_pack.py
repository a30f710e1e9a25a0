"""The compliance evidence pack on a seeded end-to-end run: statuses, named gaps, the pack's
files and their manifest, in English and Chinese."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from app.services.reports import ReportScope, verify_pack, write_pack
from tests.integration.reports.conftest import (
    plant_partly_reviewed_security_batch,
    plant_unchecked_batch,
    plant_unqualified_annotator,
)

# What the clean run does not exercise, with the status the report must then give:
# no disagreement went to arbitration (P7), no supervisor spot-checked (P8), and no item
# was flagged, so nothing was corrected (V5).
NOT_EXERCISED = {"P7": "not_applicable", "P8": "not_met", "V5": "not_applicable"}


def _pack(app, session, tmp_path, name="pack", language="en", **scope):
    with app.app_context():
        pack = write_pack(session, ReportScope(**scope), tmp_path / name, language=language)
        session.commit()
    return pack


def _sections(report: dict) -> dict[str, dict]:
    return {s["id"]: s for s in report["requirements"]}


def test_a_clean_run_is_met_on_every_requirement_it_satisfies(app, session, seeded, tmp_path):
    pack = _pack(app, session, tmp_path)
    sections = _sections(pack.report)
    assert len(sections) == 26
    wrong = {
        rid: (s["status"], s["summary"])
        for rid, s in sections.items()
        if s["status"] != NOT_EXERCISED.get(rid, "met")
    }
    assert wrong == {}
    assert sections["P8"]["what_to_do"] and sections["V1"]["what_to_do"] is None
    assert pack.report["audit_chain"]["ok"]
    # Article 19: sources, scale, types, rules over time, method, quality for each dataset.
    prompts = next(d for d in pack.report["datasets"] if d["name"] == "prompts")
    assert prompts["sources"]["licence"] == "CC-BY-4.0"
    assert prompts["sources"]["imports"][0]["sha256"]
    assert prompts["scale"]["items"] == 30 and prompts["scale"]["annotators"] == 3
    assert prompts["types"]["kinds"] == {"functional": {"batches": 1, "items": 30}}
    assert prompts["rule_versions"][0]["label"] == "response-quality@1.0.0"
    assert prompts["method"][0]["task_type"] == "rating"
    assert prompts["quality"]["decisions"] == {"accepted": 1}
    assert 0 < prompts["quality"]["ci_low"] < prompts["quality"]["accuracy"] == 1.0


def test_each_planted_gap_is_named_with_what_to_do(app, session, seeded, tmp_path):
    unchecked = plant_unchecked_batch(seeded["functional"])
    partial, item = plant_partly_reviewed_security_batch(seeded["security"])
    email = plant_unqualified_annotator(seeded["functional"])
    sections = _sections(_pack(app, session, tmp_path).report)
    for rid, needle in (("P2", email), ("V1", unchecked), ("V2", partial)):
        section = sections[rid]
        assert section["status"] == "not_met", rid
        assert any(needle in gap["text"] for gap in section["gaps"]), (rid, section["gaps"])
        assert section["what_to_do"], rid
    assert item in sections["V2"]["gaps"][0]["items"]
    assert "f2" in sections["P2"]["gaps"][0]["batches"]


def test_the_pack_holds_html_pdf_json_and_a_manifest_that_catches_any_change(
    app, session, seeded, tmp_path
):
    pack = _pack(app, session, tmp_path)
    names = sorted(p.name for p in pack.out_dir.iterdir())
    assert names == ["manifest.json", "manifest.sha256", "report.html", "report.json", "report.pdf"]
    html = (pack.out_dir / "report.html").read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)=["']?(https?:|//)""", html)  # nothing from outside
    assert "<link" not in html and "<script" not in html
    manifest = json.loads((pack.out_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["audit_chain_head"] == pack.report["audit_chain"]["head_hash"]
    assert set(manifest["files"]) == {"report.html", "report.json", "report.pdf"}
    assert json.loads((pack.out_dir / "report.json").read_text()) == pack.report
    assert verify_pack(pack.out_dir).ok
    runner = app.test_cli_runner()
    intact = runner.invoke(args=["report", "verify", str(pack.out_dir)])
    assert intact.exit_code == 0 and "recorded writing this pack" in intact.output
    for name in names:
        path = pack.out_dir / name
        original = path.read_bytes()
        path.write_bytes(original[:-1] + bytes([original[-1] ^ 1]))
        check = verify_pack(pack.out_dir)
        assert not check.ok and check.findings[0].name in (name, "manifest.sha256"), name
        result = runner.invoke(args=["report", "verify", str(pack.out_dir)])
        assert result.exit_code == 1 and name in result.output, (name, result.output)
        path.write_bytes(original)
    assert verify_pack(pack.out_dir).ok


def test_a_missing_or_extra_file_is_named(app, session, seeded, tmp_path):
    pack = _pack(app, session, tmp_path)
    (pack.out_dir / "report.pdf").unlink()
    (pack.out_dir / "notes.txt").write_text("added later", encoding="utf-8")
    findings = {(f.name, f.problem) for f in verify_pack(pack.out_dir).findings}
    assert findings == {("report.pdf", "missing"), ("notes.txt", "extra")}


def test_the_chinese_pack_names_requirements_in_chinese_and_embeds_a_cjk_font(
    app, session, seeded, tmp_path, artifacts_dir
):
    plant_unchecked_batch(seeded["functional"])
    pack = _pack(app, session, tmp_path, language="zh_CN")
    shutil.copy(pack.out_dir / "report.pdf", artifacts_dir / "compliance-report-zh_CN.pdf")
    html = (pack.out_dir / "report.html").read_text(encoding="utf-8")
    assert 'lang="zh-CN"' in html and "合规" in pack.report["title"]
    assert re.search(r"[\u4e00-\u9fff]", _sections(pack.report)["V1"]["name"])
    pdf = (pack.out_dir / "report.pdf").read_bytes()
    fonts = set(re.findall(rb"/FontName\s*/([A-Z]{6}\+)?([^\s/>\]]+)", pdf))
    names = {name.decode() for _subset, name in fonts}
    assert any(("CJK" in n or "WenQuanYi" in n) for n in names), names
    assert b"/FontFile" in pdf or b"/CharProcs" in pdf  # the glyphs travel in the file


@pytest.mark.parametrize("scope", [{"dataset": "nowhere"}, {"start": "x"}])
def test_a_bad_filter_is_refused_with_a_sentence(app, session, seeded, tmp_path, scope):
    runner = app.test_cli_runner()
    args = ["report", "compliance", "--out", str(tmp_path / "p")]
    args += ["--dataset", scope["dataset"]] if "dataset" in scope else ["--from", scope["start"]]
    result = runner.invoke(args=args)
    assert result.exit_code == 1 and not (tmp_path / "p").exists()
    assert "nowhere" in result.output or "YYYY-MM-DD" in result.output
