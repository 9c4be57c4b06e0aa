"""Reading untrusted input files and bytes as text: size limit, binary check, encodings."""

from __future__ import annotations

import os
import select
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

MAX_INPUT_BYTES = 64 * 1024 * 1024
READ_CHUNK = 1024 * 1024
FIFO_WAIT_S = 10.0  # how long a named pipe may stay silent before its first byte


class InputError(ValueError):
    """Input that cannot be read at all: too large, binary, missing."""


@dataclass
class DecodedText:
    """Text decoded from bytes, with warnings about how (e.g. Latin-1 fallback)."""

    text: str
    warnings: list[str] = field(default_factory=list)


def utf8_size(text: str, limit: int = MAX_INPUT_BYTES) -> int:
    """Bytes a text takes as UTF-8, without encoding it when the answer cannot matter to the limit."""
    if len(text) * 4 <= limit or len(text) > limit:
        return len(text)
    return len(text.encode("utf-8", errors="replace"))


def decode_bytes(data: bytes, name: str = "input") -> DecodedText:
    """UTF-8 (BOM or not), UTF-16 with BOM, else Latin-1 with a warning; CRLF made LF."""
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(f"{name}: binary data, not a text file")
    warnings: list[str] = []
    if data.startswith(b"\xef\xbb\xbf"):
        text = data[3:].decode("utf-8", errors="replace")
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16", errors="replace")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            text = data.decode("latin-1")
            warnings.append(f"{name}: not valid UTF-8 (byte {error.start}); read as Latin-1")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return DecodedText(text, warnings)


def read_text_file(path: Path, limit: int = MAX_INPUT_BYTES) -> DecodedText:
    """A file's text, refusing files over the size limit and binary files."""
    try:
        info = path.stat()
    except OSError as error:
        raise InputError(f"{path}: cannot read ({error.strerror or error})") from error
    if info.st_size > limit:
        raise InputError(f"{path}: {info.st_size / 2**20:.1f} MB is over the {limit / 2**20:g} MB limit for one file")
    try:
        with _open_for_reading(path, info) as stream:  # the size a file system reports is not trusted: /dev/zero says 0
            data = read_bounded(stream, str(path), limit)
    except OSError as error:
        raise InputError(f"{path}: cannot read ({error.strerror or error})") from error
    return decode_bytes(data, str(path))


def _open_for_reading(path: Path, info: os.stat_result) -> BinaryIO:
    """The file opened for reading; a FIFO without a writer reads as empty instead of blocking on open."""
    if not stat.S_ISFIFO(info.st_mode) or os.name != "posix":
        return path.open("rb")
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLHUP)
    if not poller.poll(FIFO_WAIT_S * 1000):  # Linux reports nothing until a writer has come
        os.close(fd)
        raise InputError(f"{path}: a pipe (FIFO) that nothing wrote to within {FIFO_WAIT_S:g} s")
    os.set_blocking(fd, True)  # reads now wait for a writer's data, and end when the last writer closes
    return os.fdopen(fd, "rb")


def read_bounded(stream: BinaryIO, name: str, limit: int = MAX_INPUT_BYTES) -> bytes:
    """At most `limit` bytes from a file, pipe, device or standard input, read in chunks."""
    # InputError as soon as the input passes the limit (it is never read whole), or when its first
    # chunk holds NUL bytes (binary data such as /dev/zero is refused after 1 MB, not 64).
    parts: list[bytes] = []
    total = 0
    while True:
        chunk = stream.read(min(READ_CHUNK, limit + 1 - total))
        if not chunk:
            return b"".join(parts)
        if not parts and b"\x00" in chunk[:8192] and not chunk.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise InputError(f"{name}: binary data, not a text file")
        parts.append(chunk)
        total += len(chunk)
        if total > limit:
            raise InputError(f"{name}: more than the {limit / 2**20:g} MB limit for one input; not imported")
