"""Who is asking: client certificates (CN = user, O = groups) and service-account tokens.

Service-account tokens are JWTs signed with the cluster's service-account key
(/etc/kubernetes/pki/sa.key, ES256), bound to an audience and an expiry, as
the TokenRequest API issues them. Fixed tokens (kube-apiserver's
--token-auth-file) stand for the control plane's own components, which reach
the server on its Unix socket. kinns has no authorization layer yet: an
authenticated user may do anything (as system:masters would).
"""

import datetime
import uuid
from dataclasses import dataclass
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization

ISSUER = "https://kubernetes.default.svc.cluster.local"
AUDIENCES = [ISSUER]


@dataclass(frozen=True)
class User:
    name: str
    groups: tuple[str, ...]


class Authenticator:
    def __init__(self, pki: Path, tokens: dict[str, User] | None = None) -> None:
        self.private = serialization.load_pem_private_key((pki / "sa.key").read_bytes(), None)
        self.public = self.private.public_key()
        self.tokens = dict(tokens or {})

    def from_certificate(self, peercert: dict | None) -> User | None:
        if not peercert:
            return None
        subject = dict(item for rdn in peercert.get("subject", ()) for item in rdn)
        groups = tuple(v for rdn in peercert.get("subject", ()) for k, v in rdn if k == "organizationName")
        return User(subject.get("commonName", ""), groups + ("system:authenticated",))

    def from_token(self, header: str) -> User | None:
        if not header.startswith("Bearer "):
            return None
        if header[7:] in self.tokens:
            return self.tokens[header[7:]]
        try:
            claims = jwt.decode(header[7:], self.public, algorithms=["ES256"], audience=AUDIENCES, issuer=ISSUER)
        except jwt.PyJWTError:
            return None
        sa = claims.get("kubernetes.io", {})
        namespace = sa.get("namespace", "")
        return User(f"system:serviceaccount:{namespace}:{sa.get('serviceaccount', {}).get('name', '')}",
                    ("system:serviceaccounts", f"system:serviceaccounts:{namespace}", "system:authenticated"))

    def issue(self, namespace: str, account: dict, audiences: list[str] | None, seconds: int,
              bound: dict | None = None) -> tuple[str, str]:
        """A signed token for a service account and its expiry (RFC 3339)."""
        now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        expires = now + datetime.timedelta(seconds=seconds)
        claims = {"iss": ISSUER, "sub": f"system:serviceaccount:{namespace}:{account['metadata']['name']}",
                  "aud": audiences or AUDIENCES, "iat": now, "nbf": now, "exp": expires, "jti": str(uuid.uuid4()),
                  "kubernetes.io": {"namespace": namespace, "serviceaccount": {
                      "name": account["metadata"]["name"], "uid": account["metadata"].get("uid", "")}}}
        if bound:
            claims["kubernetes.io"][bound.get("kind", "").lower() or "pod"] = {
                "name": bound.get("name", ""), "uid": bound.get("uid", "")}
        token = jwt.encode(claims, self.private, algorithm="ES256", headers={"kid": "kinns"})
        return token, expires.strftime("%Y-%m-%dT%H:%M:%SZ")

