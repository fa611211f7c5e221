"""The cluster's PKI, as kubeadm lays it out: a CA, the API server's serving
certificate and the admin's client certificate, and the kubeconfig using them.

The API server authenticates clients by certificate: the subject's CN is the
user and O the groups (admin: CN=kubernetes-admin, O=system:masters).
"""

import datetime
import ipaddress
from pathlib import Path

import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ..kernel.files import write_private

VALIDITY = datetime.timedelta(days=365)


def _name(cn: str, org: str | None = None) -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.COMMON_NAME, cn)]
    if org:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, org))
    return x509.Name(attrs)


def _write(path: Path, key: ec.EllipticCurvePrivateKey, cert: x509.Certificate) -> None:
    write_private(path.with_suffix(".key"), key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()))
    path.with_suffix(".crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def _load(path: Path) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = serialization.load_pem_private_key(path.with_suffix(".key").read_bytes(), None)
    return key, x509.load_pem_x509_certificate(path.with_suffix(".crt").read_bytes())


def _issue(ca: tuple | None, subject: x509.Name, *, is_ca: bool = False, server_names: list[str] = (),
           client: bool = False) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    issuer_key, issuer = ca if ca else (key, None)
    builder = (x509.CertificateBuilder().subject_name(subject)
               .issuer_name(issuer.subject if issuer else subject).public_key(key.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
               .not_valid_after(now + (VALIDITY * 10 if is_ca else VALIDITY))
               .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True))
    if is_ca:
        builder = builder.add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False, False),
                                        critical=True)
    else:
        usages = [ExtendedKeyUsageOID.CLIENT_AUTH] if client else [ExtendedKeyUsageOID.SERVER_AUTH]
        builder = builder.add_extension(x509.ExtendedKeyUsage(usages), critical=False)
    if server_names:
        sans = []
        for name in server_names:
            try:
                sans.append(x509.IPAddress(ipaddress.ip_address(name)))
            except ValueError:
                sans.append(x509.DNSName(name))
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    return key, builder.sign(issuer_key, hashes.SHA256())


def create_pki(pki: Path, server_names: list[str]) -> None:
    """ca.{crt,key}, apiserver.{crt,key}, admin.{crt,key} and sa.{key,pub} under `pki` (CA and sa kept)."""
    pki.mkdir(parents=True, exist_ok=True)
    if not (pki / "ca.crt").exists():
        _write(pki / "ca", *_issue(None, _name("kubernetes"), is_ca=True))
    ca = _load(pki / "ca")
    _write(pki / "apiserver", *_issue(ca, _name("kube-apiserver"), server_names=server_names))
    _write(pki / "admin", *_issue(ca, _name("kubernetes-admin", "system:masters"), client=True))
    _write(pki / "apiserver-kubelet-client", *_issue(ca, _name("kube-apiserver-kubelet-client", "system:masters"),
                                                     client=True))
    if not (pki / "sa.key").exists():  # service-account tokens stay valid across restarts
        key = ec.generate_private_key(ec.SECP256R1())
        write_private(pki / "sa.key", key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                        serialization.NoEncryption()))
        (pki / "sa.pub").write_bytes(key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))


def client_certificate(pki: Path, dest: Path, user: str, group: str) -> None:
    """A client certificate signed by the cluster CA (dest.crt, dest.key), e.g. a node's kubelet's."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    _write(dest, *_issue(_load(pki / "ca"), _name(user, group), client=True))


def serving_certificate(pki: Path, dest: Path, cn: str, names: list[str]) -> None:
    """A TLS server certificate signed by the cluster CA (dest.crt, dest.key), e.g. a kubelet's."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    _write(dest, *_issue(_load(pki / "ca"), _name(cn), server_names=names))


KEY_USAGES = {"digital signature": "digital_signature", "content commitment": "content_commitment",
              "key encipherment": "key_encipherment", "key agreement": "key_agreement",
              "data encipherment": "data_encipherment", "cert sign": "key_cert_sign", "crl sign": "crl_sign",
              "encipher only": "encipher_only", "decipher only": "decipher_only"}
EXTENDED_USAGES = {"server auth": ExtendedKeyUsageOID.SERVER_AUTH, "client auth": ExtendedKeyUsageOID.CLIENT_AUTH,
                   "code signing": ExtendedKeyUsageOID.CODE_SIGNING,
                   "email protection": ExtendedKeyUsageOID.EMAIL_PROTECTION,
                   "timestamping": ExtendedKeyUsageOID.TIME_STAMPING, "ocsp signing": ExtendedKeyUsageOID.OCSP_SIGNING}


def sign_request(pki: Path, csr: x509.CertificateSigningRequest, usages: list[str], seconds: int) -> bytes:
    """A certificate for `csr` signed by the cluster CA: its subject and names, the usages asked for, valid for
    `seconds` (backdated five minutes for clock skew, as kube-controller-manager's signer does, and never past
    the CA's own expiry)."""
    ca_key, ca = _load(pki / "ca")
    now = datetime.datetime.now(datetime.timezone.utc)
    until = min(now + datetime.timedelta(seconds=seconds), ca.not_valid_after_utc)
    flags = {name: name in {KEY_USAGES[u] for u in usages if u in KEY_USAGES} for name in KEY_USAGES.values()}
    builder = (x509.CertificateBuilder().subject_name(csr.subject).issuer_name(ca.subject)
               .public_key(csr.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(until)
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.public_key()), critical=False))
    if any(flags.values()):
        builder = builder.add_extension(x509.KeyUsage(**flags), critical=True)
    extended = [EXTENDED_USAGES[u] for u in usages if u in EXTENDED_USAGES]
    if extended:
        builder = builder.add_extension(x509.ExtendedKeyUsage(extended), critical=False)
    try:
        names = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        builder = builder.add_extension(names, critical=False)
    except x509.ExtensionNotFound:
        pass
    return builder.sign(ca_key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)


def kubeconfig(pki: Path, server: str, context: str) -> dict:
    """A kubeconfig with the admin credentials, as `kind get kubeconfig` prints one."""
    import base64

    def b64(path: Path) -> str:
        return base64.b64encode(path.read_bytes()).decode()

    return {
        "apiVersion": "v1", "kind": "Config", "preferences": {}, "current-context": context,
        "clusters": [{"name": context, "cluster": {"server": server,
                                                   "certificate-authority-data": b64(pki / "ca.crt")}}],
        "users": [{"name": context, "user": {"client-certificate-data": b64(pki / "admin.crt"),
                                             "client-key-data": b64(pki / "admin.key")}}],
        "contexts": [{"name": context, "context": {"cluster": context, "user": context}}],
    }


def dump_kubeconfig(config: dict) -> str:
    return yaml.safe_dump(config, sort_keys=False)
