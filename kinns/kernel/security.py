"""What a container runtime applies to a container's first process before it runs: capabilities, no_new_privs,
a seccomp filter and the user and groups it runs as.

The capability set and the syscalls the default seccomp profile refuses are
those of the OCI runtimes' defaults (containerd, CRI-O): a container is root
with fourteen capabilities, not all of them, and cannot mount, load modules,
enter or make namespaces, reboot or set the clock, whatever capabilities it
holds. Everything here acts on the calling process, which must still hold
the capabilities it drops (the launcher calls it last, just before exec).
"""

import ctypes
import os
import platform
import stat
import struct

CAPABILITIES = ["CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID", "SETPCAP",
                "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW", "IPC_LOCK",
                "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN",
                "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE",
                "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM",
                "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE"]
DEFAULT_CAPABILITIES = frozenset({"CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD", "NET_RAW", "SETGID", "SETUID",
                                  "SETFCAP", "SETPCAP", "NET_BIND_SERVICE", "SYS_CHROOT", "KILL", "AUDIT_WRITE"})

PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP = 24, 38, 22
PR_SET_KEEPCAPS, PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE = 8, 47, 2
SECCOMP_MODE_FILTER = 2
_CAP_VERSION_3 = 0x20080522
_RET_ALLOW, _RET_ERRNO = 0x7FFF0000, 0x00050000
_EPERM, _ENOSYS = 1, 38
_NAMESPACE_FLAGS = 0x7E020000  # CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET

# syscalls the default profile refuses (EPERM), by architecture: (audit arch, clone, clone3, {name: number})
_REFUSED_NAMES = ("acct", "add_key", "bpf", "clock_adjtime", "clock_settime", "delete_module", "finit_module",
                  "get_mempolicy", "init_module", "kcmp", "kexec_file_load", "kexec_load", "keyctl", "lookup_dcookie",
                  "mbind", "mount", "move_pages", "name_to_handle_at", "nfsservctl", "open_by_handle_at",
                  "perf_event_open", "pivot_root", "process_vm_readv", "process_vm_writev", "quotactl", "reboot",
                  "request_key", "set_mempolicy", "setns", "settimeofday", "swapon", "swapoff", "umount2", "unshare",
                  "userfaultfd", "open_tree", "move_mount", "fsopen", "fsconfig", "fsmount", "fspick",
                  "mount_setattr", "create_module", "get_kernel_syms", "ioperm", "iopl", "query_module", "sysfs",
                  "_sysctl", "uselib", "ustat")
_NUMBERS = {
    "x86_64": (0xC000003E, 56, 435, dict(zip(_REFUSED_NAMES, (
        163, 248, 321, 305, 227, 176, 313, 239, 175, 312, 320, 246, 250, 212, 237, 165, 279, 303, 180, 304, 298,
        155, 310, 311, 179, 169, 249, 238, 308, 164, 167, 168, 166, 272, 323, 428, 429, 430, 431, 432, 433, 442,
        174, 177, 173, 172, 178, 139, 156, 134, 136)))),
    "aarch64": (0xC00000B7, 220, 435, dict(zip(_REFUSED_NAMES[:42], (
        89, 217, 280, 266, 112, 106, 273, 236, 105, 272, 294, 104, 219, 18, 235, 40, 239, 264, 42, 265, 241, 41,
        270, 271, 60, 142, 218, 237, 268, 170, 224, 225, 39, 97, 282, 428, 429, 430, 431, 432, 433, 442)))),
}

_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def capability_set(add: list[str] | None = None, drop: list[str] | None = None, privileged: bool = False) -> set[str]:
    """The capabilities a container runs with: the runtime's defaults, `securityContext.capabilities` applied
    (names with or without CAP_, `ALL` allowed in either list)."""
    def names(values: list[str] | None) -> set[str]:
        return {v.upper().removeprefix("CAP_") for v in values or []}
    if privileged:
        return set(CAPABILITIES)
    wanted = set(DEFAULT_CAPABILITIES)
    dropped, added = names(drop), names(add)
    if "ALL" in dropped:
        wanted = set()
    wanted -= dropped
    wanted |= set(CAPABILITIES) if "ALL" in added else added & set(CAPABILITIES)
    return wanted


def _mask(caps: set[str]) -> int:
    return sum(1 << CAPABILITIES.index(c) for c in caps if c in CAPABILITIES)


def limit_bounding_set(caps: set[str]) -> None:
    """Drop from the bounding set every capability not in `caps`: no exec can regain one."""
    last = int(open("/proc/sys/kernel/cap_last_cap").read())
    for number in range(last + 1):
        name = CAPABILITIES[number] if number < len(CAPABILITIES) else ""
        if name not in caps:
            _check(_libc.prctl(PR_CAPBSET_DROP, number, 0, 0, 0), f"dropping capability {name or number}")


def held() -> int:
    """The calling process's permitted capabilities (what it can keep; the machine may not give all of them)."""
    for line in open("/proc/self/status"):
        if line.startswith("CapPrm:"):
            return int(line.split()[1], 16)
    return 0


def set_capabilities(caps: set[str]) -> None:
    """Make `caps` (those of them this process holds) the effective, permitted and inheritable sets."""
    mask = _mask(caps) & held()
    header = struct.pack("Ii", _CAP_VERSION_3, 0)
    data = struct.pack("6I", mask & 0xFFFFFFFF, mask & 0xFFFFFFFF, mask & 0xFFFFFFFF,
                       mask >> 32, mask >> 32, mask >> 32)
    _check(_libc.capset(ctypes.c_char_p(header), ctypes.c_char_p(data)), "capset")


def keep_capabilities() -> None:
    """Keep the permitted capabilities across the coming change to a non-root user (for `raise_ambient`)."""
    _check(_libc.prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0), "keepcaps")


def raise_ambient(caps: set[str]) -> None:
    """Give a non-root process `caps` (kept with keep_capabilities) as ambient capabilities, which its program
    keeps across exec: what a binary's file capabilities (setcap) give the program in a real image."""
    set_capabilities(caps)
    for name in sorted(caps):
        _check(_libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAPABILITIES.index(name), 0, 0),
               f"raising ambient capability {name}")


def no_new_privileges() -> None:
    """setuid binaries and file capabilities give nothing beyond what the process holds (and seccomp needs no
    CAP_SYS_ADMIN)."""
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")


def _filter() -> bytes:
    """The default profile as a classic BPF program: the refused syscalls answer EPERM, clone3 ENOSYS (so the C
    library falls back to clone), clone with a namespace flag EPERM, other architectures EPERM."""
    arch, clone, clone3, refused = _NUMBERS[platform.machine()]

    def op(code: int, jt: int, jf: int, k: int) -> bytes:
        return struct.pack("HBBI", code, jt, jf, k)

    load, jeq, jset, ret = 0x20, 0x15, 0x45, 0x06
    prog = [op(load, 0, 0, 4), op(jeq, 1, 0, arch), op(ret, 0, 0, _RET_ERRNO | _EPERM), op(load, 0, 0, 0),
            op(0x35, 0, 1, 0x40000000), op(ret, 0, 0, _RET_ERRNO | _EPERM)]  # jge: the x32 ABI's numbers
    for number in sorted(refused.values()):
        prog += [op(jeq, 0, 1, number), op(ret, 0, 0, _RET_ERRNO | _EPERM)]
    prog += [op(jeq, 0, 1, clone3), op(ret, 0, 0, _RET_ERRNO | _ENOSYS)]
    prog += [op(jeq, 0, 3, clone), op(load, 0, 0, 16), op(jset, 0, 1, _NAMESPACE_FLAGS),
             op(ret, 0, 0, _RET_ERRNO | _EPERM)]
    return b"".join(prog + [op(ret, 0, 0, _RET_ALLOW)])


def seccomp_default() -> None:
    """Install the default profile (RuntimeDefault) on the calling process and every process it starts."""
    program = _filter()
    buffer = ctypes.create_string_buffer(program)
    fprog = struct.pack("HxxxxxxQ", len(program) // 8, ctypes.addressof(buffer))
    _check(_libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.c_char_p(fprog), 0, 0), "seccomp")


def own_stdio(uid: int, gid: int) -> None:
    """Give the process's stdin, stdout and stderr to the user it is about to become, as runc does for a
    container's stdio: a non-root program can then reopen them by name (nginx's `access_log /dev/stdout`).
    Character devices (/dev/null, a terminal) are left as they are."""
    for fd in (0, 1, 2):
        try:
            if not stat.S_ISCHR(os.fstat(fd).st_mode):
                os.fchown(fd, uid, gid)
        except OSError:
            continue


def set_identity(uid: int | None, gid: int | None, groups: list[int]) -> None:
    """Run as `uid`:`gid` with supplementary `groups` (a root process keeps root unless asked)."""
    if gid is not None or groups:
        os.setgroups(sorted(set(groups) | ({gid} if gid is not None else set())))
    if gid is not None:
        os.setgid(gid)
    if uid is not None:
        os.setuid(uid)
