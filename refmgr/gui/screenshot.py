"""Render the README screenshot: the seed article open beside a small generated library.

`python -m refmgr.gui.screenshot OUT.png` (offscreen; writes nothing outside a temporary folder but OUT.png).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

SEED_PAGE = Path(__file__).resolve().parents[2] / "tests" / "data" / "pubmed-beyond-the-scalpel.txt"
SIZE = (1440, 900)


def build_demo_library(path: Path, seed_page: Path, extra: int = 40) -> int:
    """A library with the seed article, generated neighbours, a reading list and tags; returns the seed id."""
    from refmgr.core import lists
    from refmgr.core.importer import import_files
    from refmgr.core.library import Library

    with Library(path) as library:
        try:
            from bench.generate import make_article

            articles = [make_article(i, total=extra) for i in range(extra)]
            for article in articles:
                article.references = []
            library.save_many(articles, source="demo")
        except ImportError:
            pass
        report = import_files(library, [seed_page])
        seed_id = report.article_ids[0]
        list_id = lists.create_list(library, "Journal club: RCC ablation")
        lists.add_to_list(library, list_id, [seed_id, *library.query_ids()[:4]])
        lists.create_list(library, "Review: thermal ablation + ICI")
        library.set_tags(seed_id, ["RCC", "ablation"])
        library.update_fields(seed_id, read_status="reading", rating=4,
                              notes="Cryoablation delays ICI start; see Fig. 1.")  # fmt: skip
    return seed_id


def render(out: Path, seed_page: Path = SEED_PAGE, keyword: str = "Metastasis") -> Path:
    """Open the window on the demo library, select the seed and a keyword, and save the picture."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    folder = Path(tempfile.mkdtemp(prefix="refmgr-screenshot-"))
    os.environ["REFMGR_CONFIG_DIR"] = str(folder / "config")
    library_path = folder / "library.sqlite"
    seed_id = build_demo_library(library_path, seed_page)
    from refmgr.gui import create_main_window
    from refmgr.gui.app import ensure_application

    app = ensure_application()
    window = create_main_window(str(library_path))
    if window is None:
        raise RuntimeError(f"the demo library {library_path} could not be opened")
    window.resize(*SIZE)
    window.show()
    window.runner.pool.waitForDone(30_000)  # the daily backup the window starts with
    app.processEvents()
    window.statusBar().clearMessage()
    window.select_article(seed_id)
    window.pane.tabs.setCurrentIndex(0)
    window.pane.side_by_side.select_keyword(keyword)
    for _ in range(3):
        app.processEvents()
    out.parent.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(out))
    window.close()
    return out


if __name__ == "__main__":
    print(render(Path(sys.argv[1] if len(sys.argv) > 1 else "resources/screenshots/window.png")))
