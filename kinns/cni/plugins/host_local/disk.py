"""host-local's store: one file per allocated address, guarded by a lock file.

Layout (the reference plugin's, so either plugin can read the other's state):
`<dataDir>/<network>/<ip>` holds "<containerID>\\r\\n<ifname>";
`last_reserved_ip.<set>` remembers where round-robin allocation continues;
`lock` is held with flock(2) for the length of one operation.
"""

import fcntl
import os

LINE_BREAK = "\r\n"
_LAST_RESERVED = "last_reserved_ip."


class Store:
    def __init__(self, data_dir: str, network: str) -> None:
        self.dir = os.path.join(data_dir, network)
        os.makedirs(self.dir, mode=0o755, exist_ok=True)
        self._lock_fd = -1

    def __enter__(self) -> "Store":
        self._lock_fd = os.open(os.path.join(self.dir, "lock"), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc: object) -> None:
        os.close(self._lock_fd)  # closing drops the flock
        self._lock_fd = -1

    def reserve(self, ip: str, container_id: str, ifname: str, range_set: int) -> bool:
        """Claim `ip` for the attachment; False if someone holds it already."""
        try:
            fd = os.open(os.path.join(self.dir, ip), os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        except FileExistsError:
            return False
        try:
            os.write(fd, f"{container_id}{LINE_BREAK}{ifname}".encode())
        finally:
            os.close(fd)
        self._write(_LAST_RESERVED + str(range_set), ip)
        return True

    def last_reserved(self, range_set: int) -> str | None:
        try:
            with open(os.path.join(self.dir, _LAST_RESERVED + str(range_set))) as f:
                return f.read().strip() or None
        except FileNotFoundError:
            return None

    def allocations(self) -> dict[str, tuple[str, str]]:
        """Every reserved address -> (container ID, interface name)."""
        out = {}
        for entry in os.listdir(self.dir):
            if entry == "lock" or entry.startswith(_LAST_RESERVED):
                continue
            try:
                with open(os.path.join(self.dir, entry), "rb") as f:
                    cid, _, ifname = f.read().decode().partition(LINE_BREAK)
            except (FileNotFoundError, IsADirectoryError):
                continue
            out[entry] = (cid.strip(), ifname.strip())
        return out

    def by_attachment(self, container_id: str, ifname: str) -> list[str]:
        return [ip for ip, owner in self.allocations().items() if owner == (container_id, ifname)]

    def release(self, ip: str) -> None:
        try:
            os.unlink(os.path.join(self.dir, ip))
        except FileNotFoundError:
            pass

    def _write(self, name: str, text: str) -> None:
        tmp = os.path.join(self.dir, f".{name}.tmp")
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, os.path.join(self.dir, name))
