"""Every message a person can read in the web app has a zh_CN translation."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[3]
PO = ROOT / "app" / "translations" / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}
METHODS = [("**.py", "python"), ("**/templates/**.html", "jinja2")]


def _source_messages() -> dict[str, str]:
    found = {}
    for filename, lineno, message, _comments, _ctx in extract_from_dir(
        ROOT / "app", method_map=METHODS, keywords=KEYWORDS
    ):
        ids = message if isinstance(message, tuple) else (message,)
        for msgid in ids:
            if msgid:
                found.setdefault(msgid, f"app/{filename}:{lineno}")
    return found


def _catalogue() -> dict[str, str]:
    with PO.open("rb") as handle:
        catalog = read_po(handle, locale="zh_CN")
    return {m.id if isinstance(m.id, str) else m.id[0]: m.string for m in catalog if m.id}


def test_every_source_message_is_in_the_catalogue_and_translated():
    catalogue = _catalogue()
    missing = {msgid: where for msgid, where in _source_messages().items()
               if not catalogue.get(msgid)}
    assert not missing, (
        "untranslated messages (run `make extract-messages`, then translate): "
        + "; ".join(f"{where}: {msgid!r}" for msgid, where in sorted(missing.items()))
    )


def test_translations_keep_their_placeholders():
    import re

    placeholder = re.compile(r"%\((\w+)\)[sdf]")
    bad = []
    for msgid, msgstr in _catalogue().items():
        if msgstr and set(placeholder.findall(msgid)) != set(placeholder.findall(msgstr)):
            bad.append(msgid)
    assert not bad, f"placeholders differ in: {bad}"


def test_template_messages_survive_jinja_percent_formatting():
    """Jinja's gettext always applies `%` formatting, so a lone % breaks a page (write %%)."""
    templates = [("**/templates/**.html", "jinja2")]
    catalogue = _catalogue()
    broken = []
    for filename, lineno, message, _c, _x in extract_from_dir(
        ROOT / "app", method_map=templates, keywords=KEYWORDS
    ):
        for text in (message, catalogue.get(message) or ""):
            try:
                text % _AnyValue()
            except (ValueError, TypeError):
                broken.append(f"app/{filename}:{lineno}: {text!r}")
    assert not broken, broken


class _AnyValue(dict):
    """Formats every named placeholder, so only the % syntax itself is checked."""

    def __missing__(self, key):
        return 0
