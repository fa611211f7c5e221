"""Network namespaces held open by path, for plugins entering CNI_NETNS."""

import os

from ...kernel.syscalls import setns


class NetNS:
    """A network namespace opened by path; `with ns:` runs the block inside it."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        self._back: list[int] = []

    def __enter__(self) -> "NetNS":
        self._back.append(os.open("/proc/thread-self/ns/net", os.O_RDONLY | os.O_CLOEXEC))
        setns(self.fd)
        return self

    def __exit__(self, *exc: object) -> None:
        back = self._back.pop()
        try:
            setns(back)
        finally:
            os.close(back)
