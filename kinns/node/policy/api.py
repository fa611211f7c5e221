"""The network-policy-api's v1alpha1 types (policy.networking.k8s.io), written once, from which its CRDs come.

AdminNetworkPolicy and BaselineAdminNetworkPolicy as the SIG Network project's
standard channel (bundle v0.1.7) defines them: their field names, the defaults
(a port's protocol TCP), the bounds (priority 0-1000, 100 rules of 100 peers
and ports), the one-of rules (a subject, peer or port sets exactly one field)
and the CEL rules (each network a CIDR; the baseline policy is the one named
`default`), so `kubectl apply` refuses what a cluster with the upstream CRDs
refuses. The egress `nodes` peer is the experimental channel's and is left out,
as there; model.py would honour it where the experimental CRDs are installed.

`python -m kinns.node.policy.api` prints the manifest shipped as
kinns/controlplane/manifests/admin-network-policy-crds.yaml (a test keeps the two equal); its name sorts
first, so the API serves the kinds before the policy agents of kinns-cni start.
"""

import sys

from ...apimachinery import schema
from ...apimachinery.schema import AGE, LABEL_SELECTOR, Schema, array, described, integer, obj, root, rule, string

GROUP = "policy.networking.k8s.io"
BUNDLE_VERSION = "v0.1.7"

NAMESPACED_POD = obj("Pods chosen by the labels of their namespace and their own.", {
    "namespaceSelector": described(LABEL_SELECTOR, "The namespaces; empty selects every namespace."),
    "podSelector": described(LABEL_SELECTOR, "The pods in those namespaces; empty selects every pod."),
}, required=("namespaceSelector", "podSelector"))

SUBJECT = obj("The pods the policy applies to: exactly one of namespaces or pods.", {
    "namespaces": described(LABEL_SELECTOR, "Every pod of the namespaces with these labels."),
    "pods": described(NAMESPACED_POD, "The pods with these labels in the namespaces with those."),
}, max_properties=1, min_properties=1)

_PROTOCOL = string("TCP, UDP or SCTP; TCP when not given.", default="TCP")
_PORT_NUMBER = integer("A port number.", minimum=1, maximum=65535)

PORT = obj("Traffic to one destination port: exactly one of portNumber, namedPort or portRange.", {
    "portNumber": obj("A protocol and a port number.", {"protocol": _PROTOCOL, "port": _PORT_NUMBER},
                      required=("port", "protocol")),
    "namedPort": string("A container port's name, resolved on each pod that receives the traffic."),
    "portRange": obj("A protocol and an inclusive range of ports.", {
        "protocol": _PROTOCOL,
        "start": described(_PORT_NUMBER, "The first port of the range."),
        "end": described(_PORT_NUMBER, "The last port of the range."),
    }, required=("end", "start")),
}, max_properties=1, min_properties=1)

_PEER_FIELDS = {
    "namespaces": described(LABEL_SELECTOR, "Every pod (not hostNetwork) of the namespaces with these labels."),
    "pods": described(NAMESPACED_POD, "The pods (not hostNetwork) with these labels in those namespaces."),
}
INGRESS_PEER = obj("Where traffic comes from: exactly one of namespaces or pods.", _PEER_FIELDS,
                   max_properties=1, min_properties=1)
CIDR = string("An IPv4 or IPv6 block in CIDR notation.", max_length=43,
              rules=(rule("isCIDR(self)", "Invalid CIDR format provided"),))
EGRESS_PEER = obj("Where traffic goes: exactly one of namespaces, pods or networks.", {
    **_PEER_FIELDS,
    "networks": array("Address blocks, inside or outside the cluster.", CIDR, min_items=1, max_items=25,
                      set_=True),
}, max_properties=1, min_properties=1)


def _rule(direction: str, actions: tuple[str, ...], peers: Schema) -> Schema:
    field = "from" if direction == "ingress" else "to"
    return obj(f"One {direction} rule: traffic matching the peers and the ports gets the action.", {
        "name": string("A name for the rule, shown in events and logs.", max_length=100),
        "action": string(" or ".join(actions) + ": what happens to the matching traffic." +
                         (" Pass skips the remaining admin rules and leaves the decision to NetworkPolicy, "
                          "then to the baseline." if "Pass" in actions else ""), enum=actions),
        field: array("The peers; any of them matches.", peers, min_items=1, max_items=100),
        "ports": array("The destination ports; any of them matches. Absent: every port.", PORT, min_items=1,
                       max_items=100),
    }, required=("action", field))


def _spec(description: str, actions: tuple[str, ...], priority: bool) -> Schema:
    fields: dict[str, Schema] = {}
    if priority:
        fields["priority"] = integer("The order among admin policies: 0 is decided first, 1000 last.",
                                     minimum=0, maximum=1000)
    fields["subject"] = SUBJECT
    fields["ingress"] = array("Ingress rules, in order: the first that matches decides.",
                              _rule("ingress", actions, INGRESS_PEER), max_items=100)
    fields["egress"] = array("Egress rules, in order: the first that matches decides.",
                             _rule("egress", actions, EGRESS_PEER), max_items=100)
    return obj(description, fields, required=("priority", "subject") if priority else ("subject",))


STATUS = obj("What the implementations report of the policy.", {
    "conditions": schema.conditions("Conditions of the policy, one list per implementation's type."),
}, required=("conditions",))


def _crd(kind: str, plural: str, body: Schema, columns: list[dict], short: str) -> dict:
    return schema.crd(GROUP, kind, plural, "Cluster", [("v1alpha1", True)], body, columns, short_names=(short,),
                      annotations={"policy.networking.k8s.io/bundle-version": BUNDLE_VERSION,
                                   "policy.networking.k8s.io/channel": "standard"})


def crds() -> list[dict]:
    """The CustomResourceDefinitions, in the order they install."""
    return [
        _crd("AdminNetworkPolicy", "adminnetworkpolicies", root(
            "Cluster-wide rules an administrator sets, decided before any NetworkPolicy.",
            _spec("The policy's priority, the pods it applies to and its rules.", ("Allow", "Deny", "Pass"), True),
            STATUS, required=("metadata", "spec")),
             [{"name": "Priority", "type": "string", "jsonPath": ".spec.priority"}, AGE], "anp"),
        _crd("BaselineAdminNetworkPolicy", "baselineadminnetworkpolicies", root(
            "The cluster's default rules, decided after NetworkPolicy for the pods no NetworkPolicy isolates.",
            _spec("The pods the baseline applies to and its rules.", ("Allow", "Deny"), False), STATUS,
            required=("metadata", "spec"), rules=(rule(
                "self.metadata.name == 'default'",
                'Only one baseline admin network policy with metadata.name="default" can be created in the '
                "cluster"),)),
             [AGE], "banp"),
    ]


def manifest() -> str:
    header = ("# network-policy-api standard channel CRDs as kinns serves them (AdminNetworkPolicy,\n"
              "# BaselineAdminNetworkPolicy), generated by `python -m kinns.node.policy.api`.\n")
    return header + schema.dump(crds())


if __name__ == "__main__":
    sys.stdout.write(manifest())
