"""Render the application icon's PNG sizes from its SVG source with Qt's QSvgRenderer.

Run from the repository root after editing the SVG:  python packaging/render_icons.py
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ICON_NAME = "org.refmgr.Refmgr"
SIZES = (16, 32, 48, 64, 128, 256, 512)
HICOLOR = Path(__file__).resolve().parent.parent / "resources" / "icons" / "hicolor"


def render(svg: Path, size: int, target: Path) -> None:
    """Write one square PNG of SIZE pixels with a transparent background."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"cannot read {svg}")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    target.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(target), "PNG"):
        raise SystemExit(f"cannot write {target}")


def main() -> int:
    """Render every size into the hicolor tree."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    svg = HICOLOR / "scalable" / "apps" / f"{ICON_NAME}.svg"
    for size in SIZES:
        target = HICOLOR / f"{size}x{size}" / "apps" / f"{ICON_NAME}.png"
        render(svg, size, target)
        print(target.relative_to(HICOLOR.parent.parent.parent))
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
