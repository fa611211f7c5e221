"""`kubectl exec` on the kubelet: a command in a running container, over the channel.k8s.io WebSocket.

Each binary message starts with its channel: 0 stdin, 1 stdout, 2 stderr,
3 the final Status (JSON), 4 terminal resize; in v5 a message on 255 closes
a stream (stdin when it carries 0). The command runs inside the container,
contained as it is (kinns.node.kubelet.enter), on a pseudo-terminal when a
TTY is asked for.
"""

import asyncio
import fcntl
import json
import os
import socket
import struct
import termios
from collections.abc import Mapping

from aiohttp import WSMessage, WSMsgType, web

from ...apimachinery.params import parse_bool

STDIN, STDOUT, STDERR, ERROR, RESIZE, CLOSE = 0, 1, 2, 3, 4, 255
PROTOCOLS = ("v5.channel.k8s.io", "v4.channel.k8s.io")


def frame(msg: WSMessage) -> bytes:
    """A message's bytes: client libraries send text frames as well as binary ones (the python client writes a str
    to stdin as text), and the channel servers take both."""
    if msg.type == WSMsgType.BINARY:
        return msg.data
    if msg.type == WSMsgType.TEXT:
        return msg.data.encode()
    return b""


def flag(query: Mapping[str, str], name: str) -> bool:
    """A boolean parameter as Go's ParseBool reads it; what it cannot read counts as false."""
    try:
        return bool(parse_bool(query.get(name)))
    except ValueError:
        return False


def status(code: int, argv: list[str]) -> bytes:
    if code == 0:
        return json.dumps({"metadata": {}, "status": "Success"}).encode()
    return json.dumps({
        "metadata": {}, "status": "Failure", "reason": "NonZeroExitCode",
        "message": f"command terminated with non-zero exit code: error executing command {argv}, exit code {code}",
        "details": {"causes": [{"reason": "ExitCode", "message": str(code)}]}}).encode()


async def exec_stream(request: web.Request, enter: list[str], target_pid: int) -> web.WebSocketResponse:
    """`enter`: the command line that puts a command into the container (the command itself appended)."""
    q = request.query
    argv = q.getall("command", [])
    tty = flag(q, "tty")
    ws = web.WebSocketResponse(protocols=PROTOCOLS)
    await ws.prepare(request)
    if not argv:
        await ws.send_bytes(bytes([ERROR]) + status(126, argv))
        await ws.close()
        return ws
    master = None
    if tty:  # the terminal is the container's own: made inside it, its master handed back (a console socket)
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        command = [*enter[:-1], f"--console-fd={theirs.fileno()}", "--", *argv]
        proc = await asyncio.create_subprocess_exec(*command, stdin=asyncio.subprocess.DEVNULL,
                                                    pass_fds=[theirs.fileno()])
        theirs.close()
        try:
            _, fds, _, _ = await loop_run(socket.recv_fds, ours, 1, 1)
            master = fds[0]
        except (OSError, IndexError):
            master = None
        ours.close()
        if master is None:
            await proc.wait()
            await ws.send_bytes(bytes([ERROR]) + status(126, argv))
            await ws.close()
            return ws
    else:
        command = [*enter, *argv]
        proc = await asyncio.create_subprocess_exec(
            *command, stdin=asyncio.subprocess.PIPE if flag(q, "stdin") else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    loop = asyncio.get_running_loop()

    async def pump(reader, channel: int) -> None:
        while True:
            data = await reader()
            if not data:
                return
            await ws.send_bytes(bytes([channel]) + data)

    if tty:
        queue: asyncio.Queue[bytes] = asyncio.Queue()
        loop.add_reader(master, lambda: queue.put_nowait(_read(master)))
        outputs = [asyncio.create_task(pump(queue.get, STDOUT))]
    else:
        outputs = [asyncio.create_task(pump(lambda: proc.stdout.read(65536), STDOUT)),
                   asyncio.create_task(pump(lambda: proc.stderr.read(65536), STDERR))]

    async def inputs() -> None:
        async for msg in ws:
            if not (raw := frame(msg)):
                continue
            channel, data = raw[0], raw[1:]
            if channel == STDIN:
                if master is not None:
                    os.write(master, data)
                elif proc.stdin:
                    proc.stdin.write(data)
                    await proc.stdin.drain()
            elif channel == RESIZE and master is not None:
                size = json.loads(data or b"{}")
                fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", size.get("Height", 24),
                                                                      size.get("Width", 80), 0, 0))
            elif channel == CLOSE and data[:1] == bytes([STDIN]) and proc.stdin:
                proc.stdin.close()

    reader = asyncio.create_task(inputs())
    code = await proc.wait()
    if master is not None:
        await asyncio.sleep(0.05)  # let the last output through
        loop.remove_reader(master)
        queue.put_nowait(b"")
    await asyncio.gather(*outputs, return_exceptions=True)
    if master is not None:
        os.close(master)
    await ws.send_bytes(bytes([ERROR]) + status(code, argv))
    reader.cancel()
    await ws.close()
    return ws


async def loop_run(function, *args):
    """`function(*args)` in a thread (a blocking receive)."""
    return await asyncio.to_thread(function, *args)


def _read(fd: int) -> bytes:
    try:
        return os.read(fd, 65536)
    except OSError:  # EIO: the terminal's last writer has gone
        return b""
