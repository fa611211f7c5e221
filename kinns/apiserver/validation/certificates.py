"""certificates.k8s.io CertificateSigningRequest: a PEM request that parses and is signed by its own key, a
signer name, known usages, a duration of ten minutes at least; conditions that stay once set (Approved and
Denied never together) and a certificate that does not change once issued."""

import base64
import binascii

from cryptography import x509

from . import formats
from .field import Cause, child, duplicate, forbidden, index, invalid, not_supported, required, set_of
from .meta import dict_of, list_of

USAGES = ("signing", "digital signature", "content commitment", "key encipherment", "key agreement",
          "data encipherment", "cert sign", "crl sign", "encipher only", "decipher only", "any", "server auth",
          "client auth", "code signing", "email protection", "s/mime", "ipsec end system", "ipsec tunnel",
          "ipsec user", "timestamping", "ocsp signing", "microsoft sgc", "netscape sgc")
FINAL = ("Approved", "Denied", "Failed")
LEGACY = "kubernetes.io/legacy-unknown"


def go_bytes(data: bytes) -> str:
    """A []byte as Go's %#v shows it in a field error (first bytes only: a request is long)."""
    shown = ", ".join(f"0x{b:x}" for b in data[:16])
    return "[]byte{" + shown + (", ..." if len(data) > 16 else "") + "}"


def decoded(value: object) -> bytes:
    try:
        return base64.b64decode(str(value or ""), validate=True)
    except (binascii.Error, ValueError):
        return b""


def parse_request(pem: bytes) -> x509.CertificateSigningRequest:
    """The request in `pem`; ValueError with Go's words when it is not a signed CERTIFICATE REQUEST."""
    if b"-----BEGIN CERTIFICATE REQUEST-----" not in pem:
        raise ValueError("PEM block type must be CERTIFICATE REQUEST")
    try:
        csr = x509.load_pem_x509_csr(pem)
    except ValueError as err:
        raise ValueError(f"asn1: structure error: {err}") from None
    if not csr.is_signature_valid:
        raise ValueError("x509: signature verification failure")
    return csr


def _signer(name: object) -> list[Cause]:
    if not name:
        return [required("spec.signerName")]
    text = str(name)
    domain, _, rest = text.partition("/")
    if not rest or formats.dns_subdomain(domain) or len(domain.split(".")) < 2 or "/" in rest or not rest:
        return [invalid("spec.signerName", text, "must be a fully qualified domain and path of the form "
                                                 "'example.com/signer-name'")]
    if text == LEGACY:
        return [invalid("spec.signerName", text, "the legacy signerName is not allowed via this API version")]
    return []


def _conditions(status: dict, old_status: dict | None) -> list[Cause]:
    causes: list[Cause] = []
    seen: set[str] = set()
    for i, c in enumerate(list_of(status.get("conditions"))):
        c, at = dict_of(c), index("status.conditions", i)
        kind = c.get("type")
        if not kind:
            causes.append(required(child(at, "type")))
            continue
        if kind in FINAL:
            if kind in seen:
                causes.append(duplicate(child(at, "type"), kind))
            if c.get("status") != "True":
                causes.append(not_supported(child(at, "status"), c.get("status"), ("True",)))
        if kind in ("Approved", "Denied") and {"Approved", "Denied"} - {kind} & seen:
            causes.append(invalid(child(at, "type"), kind, "Approved and Denied conditions are mutually exclusive"))
        seen.add(kind)
    if old_status is not None:
        before = {dict_of(c).get("type") for c in list_of(old_status.get("conditions"))}
        causes += [forbidden("status.conditions", f'updates may not remove a condition of type "{kind}"')
                   for kind in FINAL if kind in before and kind not in seen]
        if old_status.get("certificate") and status.get("certificate") != old_status["certificate"]:
            causes.append(forbidden("status.certificate", "updates may not modify existing certificate content"))
    if status.get("certificate"):
        pem = decoded(status["certificate"])
        try:
            x509.load_pem_x509_certificates(pem)
        except ValueError:
            causes.append(invalid("status.certificate", go_bytes(pem), "must contain at least one CERTIFICATE PEM "
                                                                       "block"))
    return causes


def signing_request(obj: dict, old: dict | None) -> list[Cause]:
    spec = dict_of(obj.get("spec"))
    causes: list[Cause] = []
    pem = decoded(spec.get("request"))
    if not spec.get("request"):
        causes.append(required("spec.request"))
    else:
        try:
            parse_request(pem)
        except ValueError as err:
            causes.append(("spec.request", "FieldValueInvalid", f"Invalid value: {go_bytes(pem)}: {err}"))
    causes += _signer(spec.get("signerName"))
    usages = list_of(spec.get("usages"))
    if not usages:
        causes.append(required("spec.usages", "usages must be provided"))
    causes += set_of("spec.usages", usages, USAGES)
    seconds = spec.get("expirationSeconds")
    if isinstance(seconds, int) and seconds < 600:
        causes.append(invalid("spec.expirationSeconds", seconds, "may not specify a duration less than 600 seconds "
                                                                 "(10 minutes)"))
    causes += _conditions(dict_of(obj.get("status")), dict_of(old.get("status")) if old is not None else None)
    return causes
