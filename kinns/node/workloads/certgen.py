"""`kube-webhook-certgen` (image registry.k8s.io/ingress-nginx/kube-webhook-certgen), as ingress-nginx's two
admission Jobs run it.

`create --host=A,B --namespace=NS --secret-name=S`: unless the Secret exists, a new CA and a serving
certificate for the hosts (names, or IP addresses), both ECDSA P-256 and valid for 100 years as certgen makes
them, stored in the Secret under `ca`, `cert` and `key` (`--cert-name`, `--key-name`). `patch
--webhook-name=W --namespace=NS --secret-name=S`: the Secret's `ca` into the caBundle of every webhook of
the ValidatingWebhookConfiguration and the MutatingWebhookConfiguration W (`--patch-validating`,
`--patch-mutating`), and `--patch-failure-policy` into their failurePolicy; `--apiservice-name` patches an
APIService's caBundle too. The log is logrus's JSON, one object a line, as the real program writes it; a
fatal error exits 1 and the Job's pod is restarted (restartPolicy OnFailure).
"""

import asyncio
import base64
import datetime
import ipaddress
import json
import os
import sys
from pathlib import Path

from ...apimachinery.errors import APIError
from ...client import Client
from ...client.client import path
from ...apimachinery.goflags import FlagError, FlagSet

LEVELS = ("panic", "fatal", "error", "warn", "warning", "info", "debug", "trace")


class Fatal(Exception):
    """What logrus's Fatal ends the program with."""


class Log:
    def __init__(self, level: str, fmt: str) -> None:
        self.level, self.fmt = LEVELS.index(level), fmt

    def __call__(self, level: str, message: str, **fields: object) -> None:
        if LEVELS.index(level) > self.level:
            return
        now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        if self.fmt == "json":
            line = json.dumps({**{k: str(v) for k, v in fields.items()}, "level": level, "msg": message,
                               "time": now}, sort_keys=True)
        else:
            extra = "".join(f" {k}={json.dumps(str(v))}" for k, v in fields.items())
            line = f'time="{now}" level={level} msg={json.dumps(message)}{extra}'
        print(line, flush=True)


def generate(hosts: list[str]) -> tuple[bytes, bytes, bytes]:
    """A CA, and a serving certificate and key for `hosts` signed by it (PEM), as certgen's GenerateCerts."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    start = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=5)
    end = start + datetime.timedelta(days=100 * 365)
    root_key, leaf_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    root_name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "nil1")])
    server_auth = x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH])
    root = (x509.CertificateBuilder().subject_name(root_name).issuer_name(root_name)
            .public_key(root_key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, False, False, False), critical=True)
            .add_extension(server_auth, critical=False)
            .sign(root_key, hashes.SHA256()))
    names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    leaf = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "nil2")]))
            .issuer_name(root_name).public_key(leaf_key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(True, False, True, False, False, False, False, False, False), critical=True)
            .add_extension(server_auth, critical=False)
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .sign(root_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    key = leaf_key.private_bytes(pem, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption())
    return root.public_bytes(pem), leaf.public_bytes(pem), key


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


async def _ca_from_secret(client: Client, log: Log, namespace: str, name: str) -> bytes | None:
    secret = await client.get(path("v1", "secrets", namespace, name))
    if secret is None:
        log("info", "no secret found", err=f'secrets "{name}" not found')
        return None
    ca = (secret.get("data") or {}).get("ca")
    if not ca:
        raise Fatal("got secret, but it did not contain a 'ca' key")
    return base64.b64decode(ca)


async def create(client: Client, log: Log, opts: dict) -> None:
    if await _ca_from_secret(client, log, opts["namespace"], opts["secret-name"]) is not None:
        log("info", "secret already exists")
        return
    log("info", "creating new secret")
    ca, cert, key = generate([h for h in str(opts["host"]).split(",") if h])
    body = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": opts["secret-name"]},
            "data": {"ca": _b64(ca), opts["cert-name"]: _b64(cert), opts["key-name"]: _b64(key)}}
    try:
        await client.create(path("v1", "secrets", opts["namespace"]), body)
    except APIError as err:
        raise Fatal(f"failed creating secret: {err}") from None


async def patch(client: Client, log: Log, opts: dict) -> None:
    ca = await _ca_from_secret(client, log, opts["namespace"], opts["secret-name"])
    if ca is None:
        raise Fatal(f"no secret with '{opts['secret-name']}' in '{opts['namespace']}'")
    policy = opts["patch-failure-policy"]
    mutating, validating = str(opts["patch-mutating"]).lower(), str(opts["patch-validating"]).lower()
    log("info", f"patching webhook configurations '{opts['webhook-name']}' mutating={mutating}, "
                f"validating={validating}, failurePolicy={policy}")
    kinds = [k for k, on in (("validatingwebhookconfigurations", opts["patch-validating"]),
                             ("mutatingwebhookconfigurations", opts["patch-mutating"])) if on]
    for plural in kinds:
        where = path("admissionregistration.k8s.io/v1", plural, None, opts["webhook-name"])
        config = await client.get(where)
        if config is None:
            raise Fatal(f"failed getting {'validating' if plural.startswith('v') else 'mutating'} webhook")
        for hook in config.get("webhooks") or []:
            hook.setdefault("clientConfig", {})["caBundle"] = _b64(ca)
            if policy:
                hook["failurePolicy"] = policy
        try:
            await client.replace(where, config)
        except APIError as err:
            raise Fatal(f"failed patching webhook: {err}") from None
    if opts["apiservice-name"]:
        where = path("apiregistration.k8s.io/v1", "apiservices", None, opts["apiservice-name"])
        try:
            await client.patch(where, {"spec": {"caBundle": _b64(ca)}})
        except APIError as err:
            raise Fatal(f"failed patching APIService: {err}") from None
    log("info", "Patched hook(s)")


COMMANDS = {"create": (create, {"host": "", "secret-name": "", "namespace": "", "cert-name": "cert",
                                "key-name": "key"}, ("host", "secret-name", "namespace")),
            "patch": (patch, {"secret-name": "", "namespace": "", "webhook-name": "", "apiservice-name": "",
                              "patch-validating": True, "patch-mutating": True, "patch-failure-policy": ""},
                      ("secret-name", "namespace", "webhook-name"))}
USAGE = ("Usage:\n  kube-webhook-certgen [flags]\n  kube-webhook-certgen [command]\n\nAvailable Commands:\n"
         "  create      Generate a ca and server cert+key and store the results in a secret 'secret-name' in "
         "'namespace'\n  patch       Patch a validatingwebhookconfiguration and mutatingwebhookconfiguration "
         "'webhook-name' by using the ca from 'secret-name' in 'namespace'\n")


def main(argv: list[str]) -> int:
    command = next((a for a in argv if not a.startswith("-")), "")
    if command not in COMMANDS:
        sys.stderr.write((f'Error: unknown command "{command}" for "kube-webhook-certgen"\n' if command else "")
                         + USAGE)
        return 1
    run, own, required = COMMANDS[command]
    flags = FlagSet(f"kube-webhook-certgen {command}")
    for name, default in {"log-level": "info", "log-format": "json", "kubeconfig": "", **own}.items():
        flags.add(name, default)
    try:
        opts, given, _ = flags.parse([a for a in argv if a != command])
        missing = [f'"{r}"' for r in required if r not in given]
        if missing:
            raise FlagError(f"required flag(s) {', '.join(missing)} not set")
    except FlagError as err:
        sys.stderr.write(f"Error: {err}\n")
        return 1
    if opts["log-level"] not in LEVELS or opts["log-format"] not in ("json", "text"):
        sys.stderr.write(f"invalid log format '{opts['log-format']}'\n" if opts["log-level"] in LEVELS else
                         f"Invalid error level: not a valid logrus Level: \"{opts['log-level']}\"\n")
        return 1
    if command == "patch" and not (opts["patch-validating"] or opts["patch-mutating"]):
        sys.stderr.write("patch-validating=false, patch-mutating=false. You must patch at least one kind of "
                         "webhook, otherwise this command is a no-op\n")
        return 1
    if command == "patch" and opts["patch-failure-policy"] not in ("", "Ignore", "Fail"):
        sys.stderr.write(f"patch-failure-policy {opts['patch-failure-policy']} is not valid\n")
        return 1
    log = Log("warn" if opts["log-level"] == "warning" else opts["log-level"], opts["log-format"])
    client = (Client.from_kubeconfig(Path(opts["kubeconfig"]), "kube-webhook-certgen") if opts["kubeconfig"]
              else Client.in_cluster("kube-webhook-certgen"))

    async def go() -> None:
        try:
            await run(client, log, opts)
        finally:
            await client.close()
    try:
        asyncio.run(go())
    except Fatal as err:
        log("fatal", str(err))
        return 1
    except (APIError, OSError) as err:
        log("fatal", "error talking to the Kubernetes API", err=err)
        return 1
    return 0


if __name__ == "__main__":
    os._exit(main(sys.argv[1:]))
