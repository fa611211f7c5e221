"""A container's own stdin and terminal, held by the kubelet as a runtime holds them, and `kubectl attach`.

A container with `stdin: true` reads from a FIFO whose write end the kubelet
keeps open, so it sees end-of-file only when the kubelet closes it: after the
first attach session ends when `stdinOnce` is set. A container with `tty: true`
runs on a pseudo-terminal whose master the kubelet holds; a thread copies
what it prints into the container's log (as CRI entries). Attach shows what the
container prints from then on (followed in its log, stdout and stderr on their
own channels) and writes what it is sent to its stdin or terminal. What the kubelet holds lives as long as the kubelet: a
kubelet restarted under a running container leaves that container with a
closed stdin.
"""

import asyncio
import fcntl
import json
import os
import struct
import termios
import threading
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from ...kernel import process
from . import crilog
from .streams import CLOSE, ERROR, PROTOCOLS, RESIZE, STDERR, STDIN, STDOUT, flag, frame


@dataclass
class Held:
    fd: int  # the FIFO's write end, or the terminal's master
    tty: bool
    once: bool
    attached: bool = False


_HELD: dict[tuple[str, str], Held] = {}


def open_stdio(pod_dir: Path, container: str, stdin: bool, tty: bool, once: bool) -> tuple[int | None, int | None]:
    """(stdin, stdout) file descriptors for the container's process, None where the defaults apply (no stdin,
    the log file); what the kubelet keeps is registered for attach. The caller closes the returned ones once the
    process has them."""
    close(pod_dir, container)
    if tty:
        master, slave = os.openpty()
        _HELD[(str(pod_dir), container)] = Held(master, True, once)
        threading.Thread(target=_copy, args=(master, pod_dir / f"{container}.log"), daemon=True).start()
        return slave, slave
    if stdin:
        fifo = pod_dir / f"{container}.stdin"
        if not fifo.exists():
            os.mkfifo(fifo, 0o600)
        keep = os.open(fifo, os.O_RDWR)  # opened first, so the reader's open does not wait for a writer
        _HELD[(str(pod_dir), container)] = Held(keep, False, once)
        return os.open(fifo, os.O_RDONLY), None
    return None, None


def _copy(master: int, log: Path) -> None:
    with open(log, "ab", buffering=0) as out:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the terminal's last process has gone; EBADF: closed by close()
                return
            if not data:
                return
            out.write(crilog.encode("stdout", data))


def close(pod_dir: Path, container: str) -> None:
    held = _HELD.pop((str(pod_dir), container), None)
    if held is not None:
        try:
            os.close(held.fd)
        except OSError:
            pass


def close_all(pod_dir: Path) -> None:
    for key in [k for k in _HELD if k[0] == str(pod_dir)]:
        close(Path(key[0]), key[1])


async def serve(request: web.Request, pod_dir: Path, container: str, pid: int) -> web.WebSocketResponse:
    """The attach WebSocket (channel.k8s.io): output from now on, input to the container, until it ends."""
    q = request.query
    ws = web.WebSocketResponse(protocols=PROTOCOLS)
    await ws.prepare(request)
    held = _HELD.get((str(pod_dir), container))
    wants_stdin = flag(q, "stdin")
    if wants_stdin and held is None:
        await ws.send_bytes(bytes([ERROR]) + json.dumps({
            "metadata": {}, "status": "Failure", "message": "Stdin is not enabled for this attach session. If you "
            "want to attach to the container's stdin, set spec.containers[].stdin: true"}).encode())
        await ws.close()
        return ws
    if held is not None:
        held.attached = True
    log = pod_dir / f"{container}.log"

    wanted = {"stdout": STDOUT if flag(q, "stdout") else None, "stderr": STDERR if flag(q, "stderr") else None}

    async def output() -> None:
        with open(log, "rb") as f:
            f.seek(0, os.SEEK_END)
            reader = crilog.Reader(f)
            while True:
                ended = not process.alive(pid)
                for entry in reader.read():
                    if (channel := wanted[entry.stream]) is not None:
                        await ws.send_bytes(bytes([channel]) + entry.text)
                if ended:
                    return
                await asyncio.sleep(0.05)

    async def inputs() -> None:
        async for msg in ws:
            if not (raw := frame(msg)) or held is None:
                continue
            channel, data = raw[0], raw[1:]
            if channel == STDIN and wants_stdin:
                await asyncio.to_thread(_write, held.fd, data)
            elif channel == RESIZE and held.tty:
                size = json.loads(data or b"{}")
                fcntl.ioctl(held.fd, termios.TIOCSWINSZ, struct.pack("HHHH", size.get("Height", 24),
                                                                       size.get("Width", 80), 0, 0))
            elif channel == CLOSE and data[:1] == bytes([STDIN]) and held.once:
                close(pod_dir, container)

    reader = asyncio.create_task(inputs())
    printer = asyncio.create_task(output())
    await asyncio.wait({reader, printer}, return_when=asyncio.FIRST_COMPLETED)
    if held is not None and held.once and wants_stdin:
        close(pod_dir, container)  # stdinOnce: the first session's end is the stdin's end
    if not printer.done():
        await asyncio.wait({printer}, timeout=2)
    printer.cancel()
    reader.cancel()
    if not ws.closed:
        await ws.send_bytes(bytes([ERROR]) + json.dumps({"metadata": {}, "status": "Success"}).encode())
        await ws.close()
    return ws


def _write(fd: int, data: bytes) -> None:
    try:
        os.write(fd, data)
    except OSError:
        pass
