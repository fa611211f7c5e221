"""Enter network namespaces from a plugin process: setns(2) through `_ctypes`.

Python 3.11 has no os.setns, and `import ctypes` costs ~2.5 ms of the plugin's
budget; the C module underneath gives the one call needed for almost nothing.
"""

import _ctypes
import os

CLONE_NEWNET = 0x40000000


class _CInt(_ctypes._SimpleCData):
    _type_ = "i"


class _LibcCall(_ctypes.CFuncPtr):
    _flags_ = _ctypes.FUNCFLAG_CDECL | _ctypes.FUNCFLAG_USE_ERRNO
    _restype_ = _CInt


class _Libc:
    _handle = _ctypes.dlopen(None)


_setns = _LibcCall(("setns", _Libc))


def setns(fd: int, nstype: int = CLONE_NEWNET) -> None:
    """Move the calling thread into the namespace open at `fd`."""
    if _setns(fd, nstype) != 0:
        err = _ctypes.get_errno()
        raise OSError(err, os.strerror(err))


class NetNS:
    """A network namespace held open by path; `with ns:` runs the block inside it."""

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

    def close(self) -> None:
        os.close(self.fd)
