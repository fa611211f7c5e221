"""The certificate-signing controller (kube-controller-manager's csrsigning): approved requests to the built-in
signers are signed with the cluster CA; a request a signer may not sign gets a Failed condition instead.

The signers and what each insists on, as Kubernetes defines them:
kubernetes.io/kube-apiserver-client signs client certificates for any subject;
kubernetes.io/kube-apiserver-client-kubelet signs a kubelet's client certificate (O=system:nodes,
CN=system:node:<name>, no subject alternative names); kubernetes.io/kubelet-serving a kubelet's serving
certificate (the same subject, DNS or IP names only). Requests to other signers are left to their own signers.
"""

import base64
from pathlib import Path

from cryptography import x509
from cryptography.x509.oid import NameOID

from ..apiserver.certs import sign_request
from ..apiserver.validation.certificates import decoded, parse_request
from ..apimachinery.conditions import condition
from ..apimachinery.meta import now
from ..client.client import path
from .base import Controller, own_key

REQUESTS = path("certificates.k8s.io/v1", "certificatesigningrequests")
CLIENT, KUBELET_CLIENT, KUBELET_SERVING = ("kubernetes.io/kube-apiserver-client",
                                           "kubernetes.io/kube-apiserver-client-kubelet",
                                           "kubernetes.io/kubelet-serving")
ALLOWED_USAGES = {CLIENT: ({"client auth"}, {"digital signature", "key encipherment"}),
                  KUBELET_CLIENT: ({"client auth"}, {"digital signature", "key encipherment"}),
                  KUBELET_SERVING: ({"server auth"}, {"digital signature", "key encipherment"})}
DURATION = 365 * 24 * 3600  # --cluster-signing-duration


def _attribute(csr: x509.CertificateSigningRequest, oid: x509.ObjectIdentifier) -> list[str]:
    return [str(a.value) for a in csr.subject.get_attributes_for_oid(oid)]


def refusal(signer: str, csr: x509.CertificateSigningRequest, usages: list[str]) -> str:
    """Why `signer` may not sign this request ('' when it may)."""
    needed, optional = ALLOWED_USAGES[signer]
    extra = sorted(set(usages) - needed - optional)
    if extra or not needed <= set(usages):
        return f"invalid usage for {'client' if signer != KUBELET_SERVING else 'serving'} certificate: " + \
            ", ".join(extra or sorted(needed - set(usages)))
    if signer == CLIENT:
        return ""
    organizations, names = _attribute(csr, NameOID.ORGANIZATION_NAME), _attribute(csr, NameOID.COMMON_NAME)
    if organizations != ["system:nodes"]:
        return "subject organization is not system:nodes"
    if len(names) != 1 or not names[0].startswith("system:node:"):
        return 'subject common name does not begin with "system:node:"'
    try:
        alt = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        alt = None
    if signer == KUBELET_CLIENT and alt is not None:
        return "subject alternative names are not allowed"
    if signer == KUBELET_SERVING:
        if alt is None or not (alt.get_values_for_type(x509.DNSName) or alt.get_values_for_type(x509.IPAddress)):
            return "DNS or IP subjectAltName is required"
        if alt.get_values_for_type(x509.RFC822Name) or alt.get_values_for_type(x509.UniformResourceIdentifier):
            return "email and URI subjectAltNames are not allowed"
    return ""


class CertificateSigningController(Controller):
    name = "certificate-controller"

    def setup(self, pki: Path) -> None:
        self.pki = pki
        self.requests = self.watch(REQUESTS, own_key)

    async def reconcile(self, key: tuple[str, str]) -> None:
        obj = self.live(self.requests, key)
        if obj is None:
            return
        spec, status = obj.get("spec") or {}, obj.get("status") or {}
        kinds = {c.get("type") for c in status.get("conditions") or [] if c.get("status") == "True"}
        signer = spec.get("signerName", "")
        if "Approved" not in kinds or kinds & {"Denied", "Failed"} or status.get("certificate") or \
                signer not in ALLOWED_USAGES:
            return
        csr = parse_request(decoded(spec.get("request")))
        why = refusal(signer, csr, spec.get("usages") or [])
        if why:
            failed = condition("Failed", True, "SignerValidationFailure", why, status.get("conditions"),
                               lastUpdateTime=now())
            new = {**status, "conditions": [*(status.get("conditions") or []), failed]}
        else:
            seconds = min(spec.get("expirationSeconds") or DURATION, DURATION)
            pem = sign_request(self.pki, csr, spec.get("usages") or [], seconds)
            new = {**status, "certificate": base64.b64encode(pem).decode()}
        await self.client.replace(path("certificates.k8s.io/v1", "certificatesigningrequests", name=key[1],
                                       sub="status"), {**obj, "status": new})
