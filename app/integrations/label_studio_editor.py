"""Label Studio's own labeling editor, served by the workbench for the annotator's door.

The editor is not published on its own for Label Studio 1.23.2 (npm's
`@heartexlabs/label-studio` stops at an old build); it ships inside the `label-studio`
wheel, in the web app's webpack output (`web/dist/apps/labelstudio`). There the app loads
it lazily: `Promise.all([n.e(502), n.e(594), n.e(288), n.e(358)]).then(n.bind(n, 41607))`,
and the module it loads sets `window.LabelStudio`. The door's page loads the same files:
webpack's runtime, the vendor chunk, the app's main chunk *without running the app* (its
entry callback is dropped), then asks the runtime for those chunks and that module. So the
editor annotators use is byte for byte the one Label Studio 1.23.2 serves itself.

This module finds those files (in the project's `.venv-ls`, or LABELGATE_EDITOR_ASSETS),
reads the chunk ids and the module id from the app's own main chunk rather than hard-coding
them, and reads the feature flags Label Studio's open-source edition renders into its pages
(the editor asks them, e.g. for which tags exist).
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

EDITOR_VERSION = "1.23.2"
PROJECT_ROOT = Path(__file__).resolve().parents[2]
APP_DIR = Path("web") / "dist" / "apps" / "labelstudio"
# webpack's lazy load of the editor in Label Studio's main chunk, e.g.
# Promise.all([n.e(502),n.e(594),n.e(288),n.e(358)]).then(n.bind(n,41607))
LOADER = re.compile(r"Promise\.all\(\[((?:\w\.e\(\d+\),?)+)\]\)\.then\(\w\.bind\(\w,(\d+)\)\)")
CHUNK_ID = re.compile(r"\.e\((\d+)\)")
PUSHED_CHUNK = re.compile(r"\.push\(\[\[(\d+)\]")
# What the door may serve from the bundle: code, styles, images and fonts only.
SERVABLE = frozenset({".js", ".css", ".svg", ".png", ".gif", ".woff", ".woff2", ".ttf"})


class EditorMissing(Exception):
    """The editor's files cannot be found or are not the expected build."""


@dataclass(frozen=True)
class EditorBundle:
    """Where the editor's files are and how to start it."""

    app_dir: Path
    fonts_dir: Path | None
    version: str
    main_chunk: int
    vendor_chunk: int
    chunks: tuple[int, ...]
    entry_module: int
    feature_flags: dict[str, Any] = field(default_factory=dict)

    def path(self, name: str) -> Path | None:
        """Return the file `name` of the bundle if the door may serve it, else None."""
        if "/" in name or "\\" in name or name.startswith("."):
            return None
        path = self.app_dir / name
        if path.suffix not in SERVABLE or not path.is_file():
            return None
        return path

    def font(self, name: str) -> Path | None:
        """Return one of Label Studio's fonts (its styles ask for /static/fonts/NAME)."""
        if self.fonts_dir is None or "/" in name or name.startswith("."):
            return None
        path = self.fonts_dir / name
        return path if path.suffix in SERVABLE and path.is_file() else None

    def app_settings(self) -> dict[str, Any]:
        """Return the `window.APP_SETTINGS` the editor reads, as Label Studio renders it."""
        return {"feature_flags": self.feature_flags, "feature_flags_default_value": True,
                "sentry_environment": "opensource", "version_edition": "Community"}


def site_packages(root: Path) -> list[Path]:
    """Return the site-packages folders of a virtual environment."""
    return sorted(root.glob("lib/python3*/site-packages"))


@functools.lru_cache(maxsize=4)
def locate(configured: str | None = None) -> EditorBundle:
    """Return the editor bundle of Label Studio EDITOR_VERSION; raise EditorMissing."""
    candidates = ([Path(configured)] if configured
                  else site_packages(PROJECT_ROOT / ".venv-ls"))
    for base in candidates:
        if (base / APP_DIR / "main.js").is_file():
            return _read(base)
    where = configured or str(PROJECT_ROOT / ".venv-ls")
    raise EditorMissing(
        f"Label Studio {EDITOR_VERSION}'s editor was not found under {where}: run "
        "`make label-studio` (or set LABELGATE_EDITOR_ASSETS to the site-packages folder "
        f"of an environment with label-studio=={EDITOR_VERSION})."
    )


def _read(base: Path) -> EditorBundle:
    version = _installed_version(base)
    if version != EDITOR_VERSION:
        raise EditorMissing(f"{base} holds Label Studio {version or 'of unknown version'}; the "
                            f"door is built and tested with {EDITOR_VERSION}.")
    app_dir = base / APP_DIR
    main = (app_dir / "main.js").read_text(encoding="utf-8", errors="replace")
    vendor = (app_dir / "vendor.js").read_text(encoding="utf-8", errors="replace")[:4000]
    loaders = {tuple(int(c) for c in CHUNK_ID.findall(ids)): int(module)
               for ids, module in LOADER.findall(main)}
    main_chunk, vendor_chunk = _pushed(main, "main.js"), _pushed(vendor, "vendor.js")
    for chunks, module in loaders.items():
        last = app_dir / f"{chunks[-1]}.js"
        if last.is_file() and "window.LabelStudio=" in last.read_text(encoding="utf-8",
                                                                        errors="replace"):
            return EditorBundle(
                app_dir=app_dir,
                fonts_dir=_fonts(base),
                version=version,
                main_chunk=main_chunk,
                vendor_chunk=vendor_chunk,
                chunks=tuple(c for c in chunks if c != vendor_chunk),
                entry_module=module,
                feature_flags=feature_flags(base / "label_studio" / "feature_flags.json"),
            )
    raise EditorMissing(f"{app_dir}/main.js loads no chunk that defines window.LabelStudio.")


def _pushed(text: str, name: str) -> int:
    found = PUSHED_CHUNK.search(text)
    if found is None:
        raise EditorMissing(f"{name} is not a webpack chunk of Label Studio's web app.")
    return int(found.group(1))


def _installed_version(base: Path) -> str | None:
    for dist_info in base.glob("label_studio-*.dist-info"):
        return dist_info.name.removeprefix("label_studio-").removesuffix(".dist-info")
    return None


def _fonts(base: Path) -> Path | None:
    fonts = base / "label_studio" / "core" / "static" / "fonts"
    return fonts if fonts.is_dir() else None


def feature_flags(path: Path) -> dict[str, Any]:
    """Return each flag's value as Label Studio's open-source edition evaluates it offline:
    the fallthrough variation of a flag that is on, else its off variation."""
    if not path.is_file():
        return {}
    flags = json.loads(path.read_text(encoding="utf-8")).get("flags", {})
    values = {}
    for name, flag in flags.items():
        variations = flag.get("variations") or []
        index = (flag.get("fallthrough") or {}).get("variation") if flag.get("on") \
            else flag.get("offVariation")
        if isinstance(index, int) and 0 <= index < len(variations):
            values[name] = variations[index]
    return values
