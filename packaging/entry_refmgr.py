"""PyInstaller entry point: the `refmgr` command (no arguments opens the window; --pdf-worker is the PDF reader)."""

import sys

if sys.argv[1:2] == ["--pdf-worker"]:  # refmgr.core.pdf.extract starts the bundle itself as its text worker
    from refmgr.core.pdf.worker import main

    main()
else:
    from refmgr.cli import run

    run()
