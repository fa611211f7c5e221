"""The authorizer chain of kubeadm's kube-apiserver: system:masters, then Node, then RBAC."""

from ...store import Store
from .attributes import Attributes, forbidden
from .node import NodeAuthorizer
from .rbac import RBACIndex

MASTERS = "system:masters"


class Authorizer:
    def __init__(self, store: Store) -> None:
        self.rbac = RBACIndex(store)
        self.node = NodeAuthorizer(store)

    def decide(self, attrs: Attributes) -> tuple[bool, str]:
        """(allowed, reason): the reason a refusal gives, if any authorizer had one."""
        if MASTERS in attrs.user.groups:
            return True, ""
        decision, reason = self.node.authorize(attrs)
        if decision:
            return True, ""
        if self.rbac.allows(attrs):
            return True, ""
        return False, reason

    def check(self, attrs: Attributes) -> None:
        """Forbidden (403) unless allowed."""
        allowed, reason = self.decide(attrs)
        if not allowed:
            raise forbidden(attrs, reason)
