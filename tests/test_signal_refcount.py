"""The Python/PySide6 combination refmgr installs survives many signal emits (PySide6 6.12.0 on 3.11 did not)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from importlib.metadata import version

from packaging.version import Version

EMITS = 20_000

# Every signal signature refmgr declares (grep "Signal(" refmgr/gui), plus calls that return None or a bool.
SCRIPT = textwrap.dedent(
    f"""
    import sys
    from PySide6.QtCore import QObject, Signal
    from PySide6.QtWidgets import QApplication, QCheckBox

    class Emitter(QObject):
        plain = Signal()
        flag = Signal(bool)
        number = Signal(int)
        pair = Signal(int, int)
        text = Signal(str)
        texts = Signal(str, str)
        anything = Signal(object)
        with_dict = Signal(int, dict)
        with_list = Signal(int, list)

    app = QApplication(sys.argv)
    emitter = Emitter()
    received = [0]

    def count(*args):
        received[0] += 1

    signals = [
        (emitter.plain, ()),
        (emitter.flag, (True,)),
        (emitter.number, (7,)),
        (emitter.pair, (1, 2)),
        (emitter.text, ("x",)),
        (emitter.texts, ("x", "y")),
        (emitter.anything, (None,)),
        (emitter.with_dict, (1, {{"rating": 3}})),
        (emitter.with_list, (1, ["RCC"])),
    ]
    for signal, _ in signals:
        signal.connect(count)
    box = QCheckBox()
    box.toggled.connect(count)
    for i in range({EMITS}):
        for signal, args in signals:
            signal.emit(*args)
        box.setChecked(i % 2 == 0)
        box.isChecked()
        app.processEvents()
    expected = {EMITS} * (len(signals) + 1)
    sys.exit(0 if received[0] >= expected - 1 else 3)
    """
)


def test_many_signal_emits_do_not_abort_the_process() -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    result = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr[-2000:]


def test_installed_pyside6_is_not_the_leaking_combination() -> None:
    if sys.version_info < (3, 12):
        assert Version(version("PySide6")) < Version("6.12"), "PySide6 6.12 leaks True/None refs on Python 3.11"
