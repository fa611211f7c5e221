"""The package layers hold: every import of kinns's own code goes down the layers, never up or sideways.

kernel < store, cni, client (with apimachinery) < node, dns, ingress < apiserver < controllers, controlplane
< cluster (and trace and ui beside it; ui uses trace) < cli. Node-side components never import the API server
or the lifecycle package; the API server never imports the controllers.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "kinns"
RANK = {"kernel": 0, "store": 1, "cni": 1, "apimachinery": 1, "client": 1, "node": 2, "dns": 2, "ingress": 2,
        "apiserver": 3, "controllers": 4, "controlplane": 4, "cluster": 5, "trace": 5, "ui": 5, "cli": 6}
SIDEWAYS = {("client", "apimachinery"), ("controlplane", "controllers"), ("ui", "trace")}  # same layer, one way only


def imports(path: Path) -> list[str]:
    """The kinns packages `path` imports (absolute, or relative resolved against its own package)."""
    module = path.relative_to(ROOT.parent).with_suffix("").parts
    package = module[:-1] if module[-1] != "__init__" else module[:-1]
    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                target = (*base, *(node.module.split(".") if node.module else ()))
                names = [(*target, a.name) for a in node.names] if not node.module else [target]
            else:
                names = [tuple(node.module.split("."))] if node.module else []
            out += [".".join(n) for n in names if n[0] == "kinns"]
        elif isinstance(node, ast.Import):
            out += [a.name for a in node.names if a.name.split(".")[0] == "kinns"]
    return out


def test_imports_follow_the_layers():
    wrong = []
    for path in sorted(ROOT.rglob("*.py")):
        own = path.relative_to(ROOT).parts[0].removesuffix(".py")
        if own not in RANK:
            continue  # kinns/__init__.py
        for name in imports(path):
            parts = name.split(".")
            other = parts[1] if len(parts) > 1 else ""
            if other in ("", own) or other not in RANK:
                continue
            if RANK[other] > RANK[own] or (RANK[other] == RANK[own] and (own, other) not in SIDEWAYS):
                wrong.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not wrong, "imports against the layers:\n" + "\n".join(wrong)


def test_no_function_imports_kinns_code_to_dodge_a_cycle():
    late = []
    for path in sorted(ROOT.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for inner in ast.walk(node):
                    if isinstance(inner, ast.ImportFrom) and (inner.level or (inner.module or "").startswith("kinns")):
                        late.append(f"{path.relative_to(ROOT)}:{inner.lineno}")
    assert not late, "imports of kinns code inside functions: " + ", ".join(late)
