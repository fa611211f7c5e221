"""Put kinns's CNI plugins into a directory as executables, as a CNI DaemonSet does.

Each executable is a three-line launcher that starts Python with `-I -S` (no
site-packages scan, no user paths) and imports only its own plugin module:
start-up is most of what a plugin costs.
"""

import os
import sys
from pathlib import Path

PLUGINS = {"kinns-bridge": "bridge", "kinns-host-local": "host_local", "kinns-loopback": "loopback",
           "kinns-portmap": "portmap"}
SOURCE_ROOT = Path(__file__).resolve().parents[2]


def launcher(module: str) -> str:
    python = os.path.realpath(sys.executable)
    return (f"#!{python} -IS\nimport sys\nsys.path.insert(0, {str(SOURCE_ROOT)!r})\n"
            f"from kinns.cni.plugins.{module} import main\nmain()\n")


def install(directory: Path, names: dict[str, str] | None = None) -> list[Path]:
    """Write the launchers (by default under their kinns-* names); return their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, module in (names or PLUGINS).items():
        if not (SOURCE_ROOT / "kinns" / "cni" / "plugins" / module / "__init__.py").exists():
            continue
        path = directory / name
        tmp = directory / f".{name}.tmp"
        tmp.write_text(launcher(module))
        tmp.chmod(0o755)
        tmp.replace(path)
        written.append(path)
    return written
