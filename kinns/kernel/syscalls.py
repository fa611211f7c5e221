"""setns(2), unshare(2), mount(2), umount2(2) and sethostname(2) through `_ctypes`.

Python 3.11 has none of these in `os`. The C module is used instead of
`ctypes` because CNI plugins call setns on their start-up path, where the
~2.5 ms import of `ctypes` would be a sixth of the whole reference ADD.
"""

import _ctypes
import os

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
MS_RDONLY, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE, MS_SLAVE = 0x1, 0x20, 0x1000, 0x4000, 0x40000, 0x80000
MNT_DETACH = 0x2


class _CInt(_ctypes._SimpleCData):
    _type_ = "i"


class _CStr(_ctypes._SimpleCData):
    _type_ = "z"


class _CULong(_ctypes._SimpleCData):
    _type_ = "L"


class _LibcCall(_ctypes.CFuncPtr):
    _flags_ = _ctypes.FUNCFLAG_CDECL | _ctypes.FUNCFLAG_USE_ERRNO
    _restype_ = _CInt


class _Libc:
    _handle = _ctypes.dlopen(None)


def _call(name: str, *args: object) -> None:
    if _LibcCall((name, _Libc))(*args) != 0:
        err = _ctypes.get_errno()
        raise OSError(err, f"{name}: {os.strerror(err)}")


def setns(fd: int, nstype: int = CLONE_NEWNET) -> None:
    """Move the calling thread into the namespace open at `fd`."""
    _call("setns", fd, nstype)


def unshare(flags: int) -> None:
    _call("unshare", flags)


def mount(source: str | None, target: str, fstype: str | None, flags: int = 0, data: str | None = None) -> None:
    _call("mount", _cstr(source), _cstr(target), _cstr(fstype), _CULong(flags), _cstr(data))


def _cstr(text: str | None) -> _CStr:
    return _CStr(None if text is None else text.encode())


def umount(target: str, flags: int = 0) -> None:
    _call("umount2", _CStr(target.encode()), flags)


def pivot_root(new_root: str, put_old: str) -> None:
    """pivot_root(2), which glibc does not wrap: syscall number 155 on x86_64, 41 on aarch64."""
    import platform

    number = {"x86_64": 155, "aarch64": 41}[platform.machine()]
    _call("syscall", number, _CStr(new_root.encode()), _CStr(put_old.encode()))


def sethostname(name: str) -> None:
    raw = name.encode()
    _call("sethostname", _CStr(raw), len(raw))
