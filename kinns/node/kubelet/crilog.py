"""Container logs in the CRI format, as containerd and CRI-O write them and the kubelet reads them.

Each entry is one line of the log file: `<RFC 3339 time, nanoseconds> <stdout|stderr> <F|P> <text>`. F ends a
line of the container's output; P is a fragment of one, the rest following in later entries (what was printed
without a newline yet, so attach and `logs -f` see a prompt at once). The times are what `kubectl logs
--timestamps`, `--since` and `--since-time` work from. Pure functions over bytes: the launcher writes entries,
the kubelet's log and attach endpoints read them.
"""

import time
from dataclasses import dataclass

from ...apimachinery.meta import rfc3339_ns


@dataclass
class Entry:
    stamp: int  # nanoseconds since the epoch
    stream: str  # "stdout" or "stderr"
    partial: bool
    text: bytes  # the output, with its newline unless partial


def stamp_text(ns: int) -> str:
    """RFC 3339 with nine fixed fraction digits in UTC, the kubelet's RFC3339NanoFixed."""
    seconds, fraction = divmod(ns, 1_000_000_000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{fraction:09d}Z"


def encode(stream: str, data: bytes, ns: int | None = None) -> bytes:
    """The entries for one chunk of a container's output: one F per completed line, a P for what follows the
    last newline."""
    prefix = f"{stamp_text(time.time_ns() if ns is None else ns)} {stream} ".encode()
    lines = data.split(b"\n")
    out = [prefix + b"F " + line + b"\n" for line in lines[:-1]]
    if lines[-1]:
        out.append(prefix + b"P " + lines[-1] + b"\n")
    return b"".join(out)


def decode(line: bytes) -> Entry | None:
    """One entry of the log file (its newline included or not); None for a line that is not one."""
    parts = line.rstrip(b"\n").split(b" ", 3)
    if len(parts) < 3 or parts[1] not in (b"stdout", b"stderr") or parts[2] not in (b"F", b"P"):
        return None
    try:
        stamp = rfc3339_ns(parts[0].decode())
    except (ValueError, UnicodeDecodeError):
        return None
    text = parts[3] if len(parts) == 4 else b""
    partial = parts[2] == b"P"
    return Entry(stamp, parts[1].decode(), partial, text if partial else text + b"\n")


def entries(data: bytes) -> list[Entry]:
    """Every complete entry of `data` (a line cut short at its end, still being written, is left out)."""
    lines = data.split(b"\n")[:-1]
    return [e for e in map(decode, lines) if e is not None]


def render(entry: Entry, timestamps: bool) -> bytes:
    """What `kubectl logs` prints for an entry: its text, after its time with --timestamps."""
    return (stamp_text(entry.stamp).encode() + b" " if timestamps else b"") + entry.text


class Reader:
    """The entries appended to an open log file since the last read (a line still being written waits for its
    end): how attach and `logs -f` follow a container."""

    def __init__(self, file) -> None:
        self.file, self.rest = file, b""

    def read(self) -> list[Entry]:
        data = self.rest + self.file.read()
        cut = data.rfind(b"\n") + 1
        self.rest = data[cut:]
        return entries(data[:cut])
