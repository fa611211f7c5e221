"""`/opt/bin/install-conf SRC DST` of the flannel image: copy the CNI config into place atomically, so the
kubelet never reads a half-written conflist."""

import sys
from pathlib import Path

from ....kernel.files import write_atomic


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        sys.stderr.write("usage: install-conf <source> <destination>\n")
        return 1
    source, target = argv
    try:
        write_atomic(Path(target), Path(source).read_text())
    except OSError as err:
        sys.stderr.write(f"install-conf: {err.filename}: {err.strerror}\n")
        return 1
    print(f"installed {source} as {target}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
