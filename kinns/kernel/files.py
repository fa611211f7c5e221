"""Files only their owner reads: keys, kubeconfigs, tokens; and paths that stay inside their directory.

A private file is made with mode 0600 from its first byte, never world-
readable for a moment. An existing file is rewritten in place (same inode)
rather than replaced by a rename: node files live in the upper directory of
an overlay the node's processes have mounted, and an overlay keeps showing
the old inode of a file renamed over underneath it.
"""

import os
from pathlib import Path


def write_private(path: Path, content: bytes | str, mode: int = 0o600) -> bool:
    """Make `path` hold `content` with `mode`, unless it already does; True when it was written."""
    data = content.encode() if isinstance(content, str) else content
    try:
        if path.read_bytes() == data and (path.stat().st_mode & 0o777) == mode:
            return False
    except OSError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:
        fd = os.open(path, os.O_WRONLY)
        os.fchmod(fd, mode)  # narrowed before the new content goes in
        os.ftruncate(fd, 0)
    try:
        os.fchmod(fd, mode)  # the umask may have taken bits away
        os.write(fd, data)
    finally:
        os.close(fd)
    return True


def write_atomic(path: Path, content: str, mode: int = 0o644) -> None:
    """Replace `path` with `content` by a rename, so a reader sees the old file or the new one, never half of
    either (a subnet lease, a rendered configuration). Not for a node's own files under its overlay (see above):
    those are rewritten in place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(content)
    tmp.chmod(mode)
    tmp.replace(path)


def private_dir(path: Path) -> Path:
    """Make `path` a directory only its owner enters (0700)."""
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


class Escape(ValueError):
    """A relative path that would leave the directory it is meant to be in."""


def safe_join(base: Path, relative: str) -> Path:
    """`base`/`relative`, refused when `relative` is absolute, climbs out with '..', or reaches outside `base`
    through a symlink on the way (what a volume's file names, keys and subPaths must never do)."""
    if relative.startswith("/") or any(part == ".." for part in relative.split("/")):
        raise Escape(f"{relative!r} is not a path inside the volume")
    target = base / relative
    resolved, root = os.path.realpath(target), os.path.realpath(base)
    if resolved != root and not resolved.startswith(root + os.sep):
        raise Escape(f"{relative!r} leads outside the volume")
    return target
