"""Authorization as kube-apiserver's `--authorization-mode=Node,RBAC`: who may do what.

attributes.py reads a request into what is asked (verb, group, resource,
namespace, name, or a non-resource path); rules.py matches RBAC rules and
decides whether one rule set covers another; rbac.py keeps the roles and
bindings indexed by subject as the store changes; node.py limits kubelets to
their own node's objects; escalation.py refuses roles and bindings that would
grant more than their author holds; impersonation.py acts on `--as`.
"""

from .attributes import Attributes, forbidden
from .authorizer import Authorizer

__all__ = ["Attributes", "Authorizer", "forbidden"]
