#!/bin/sh
# Build the one-folder app in dist/refmgr/ with PyInstaller, then prove the built program starts.
# Usage: sh packaging/build-bundle.sh [VENV_BIN]   (make bundle passes .venv/bin)
set -eu
cd "$(dirname "$0")/.."
BIN=${1:-.venv/bin}
start=$(date +%s)
"$BIN/pyinstaller" --noconfirm --clean --log-level WARN --distpath dist --workpath build/pyinstaller packaging/refmgr.spec
end=$(date +%s)
echo "bundle: dist/refmgr built in $((end - start)) s, $(du -sh dist/refmgr | cut -f1)"
dist/refmgr/refmgr --version
QT_QPA_PLATFORM=offscreen dist/refmgr/refmgr --self-test
