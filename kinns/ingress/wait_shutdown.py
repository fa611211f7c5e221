"""`/wait-shutdown`, the controller image's preStop hook: TERM to the controller, then wait until it and its
nginx have ended, so the kubelet's own TERM finds nothing serving half-way."""

import os
import signal
import sys
import time
from pathlib import Path

from ..kernel.process import alive

RUN = Path("/tmp/nginx")  # where the real image keeps nginx's pid and temporary files (the controller's too)
PID_FILE = RUN / "ingress-controller.pid"


def main() -> int:
    try:
        pid = int(PID_FILE.read_text())
        os.kill(pid, signal.SIGTERM)
    except (OSError, ValueError) as err:
        sys.stderr.write(f"terminating ingress controller: {err}\n")
        return 1
    while alive(pid):
        time.sleep(0.2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
