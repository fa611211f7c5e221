"""The Gateway API's standard-channel types (gateway.networking.k8s.io), written once, from which the CRDs come.

The kinds are those of the standard channel that kinns implements: GatewayClass,
Gateway and HTTPRoute (v1) and ReferenceGrant (v1beta1), with the
specification's field names, defaults, bounds, patterns and CEL rules, so that
`kubectl apply` refuses what a real cluster refuses and `kubectl explain`
describes every field. GRPCRoute is not served: kinns's data plane has no gRPC
backends to route to.

`python -m kinns.ingress.gateway.api` prints the CRD manifest shipped as
kinns/controlplane/manifests/gateway-api-crds.yaml (a test keeps the two equal).
"""

import sys

from functools import partial

from ...apimachinery import schema
from ...apimachinery.schema import (AGE, LABEL_SELECTOR, Schema, array, described, integer, obj, root, rule, string,
                                   string_map)

GROUP = "gateway.networking.k8s.io"
BUNDLE_VERSION = "v1.2.1"
CONTROLLER_NAME = "gateway.nginx.org/nginx-gateway-controller"

_DNS = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"
_EPOCH = "1970-01-01T00:00:00Z"
conditions = partial(schema.conditions, max_items=8)

# shared scalar types

HOSTNAME = string("A DNS hostname, optionally with a leading wildcard label (`*.example.com`); IPs are not "
                  "allowed.", min_length=1, max_length=253, pattern=rf"^(\*\.)?{_DNS}$")
PRECISE_HOSTNAME = string("A DNS hostname without wildcard.", min_length=1, max_length=253, pattern=f"^{_DNS}$")
OBJECT_NAME = string("The name of a Kubernetes object.", min_length=1, max_length=253)
NAMESPACE = string("The namespace of a Kubernetes object (an RFC 1123 label).", min_length=1, max_length=63,
                   pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
GROUP_NAME = string("An API group; empty for the core group.", max_length=253, pattern=rf"^$|^{_DNS}$")
KIND = string("An API kind, such as Service or Gateway.", min_length=1, max_length=63,
              pattern=r"^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$")
SECTION_NAME = string("The name of a section of an object: a Gateway's listener, a Route's rule.", min_length=1,
                      max_length=253, pattern=f"^{_DNS}$")
PORT = integer("A TCP or UDP port number.", minimum=1, maximum=65535)
HEADER_NAME = string("An HTTP header name; matched case-insensitively.", min_length=1, max_length=256,
                     pattern=r"^[A-Za-z0-9!#$%&'*+\-.^_\x60|~]+$")
CONTROLLER = string("A domain-prefixed path naming a controller, such as `example.net/gateway-controller`.",
                    min_length=1, max_length=253, pattern=rf"^{_DNS}\/[A-Za-z0-9\/\-._~%!$&'()*+,;=:]+$")
DURATION = string("A duration in Gateway API form (GEP-2257): up to four number+unit pairs, units h, m, s, ms.",
                  pattern=r"^([0-9]{1,5}(h|m|s|ms)){1,4}$")
PROTOCOL = string("The protocol a listener accepts: HTTP, HTTPS, TLS, TCP, UDP, or a domain-prefixed name.",
                  min_length=1, max_length=255,
                  pattern=r"^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?$|" + _DNS + r"\/[A-Za-z0-9]+$")

def _pending(*types: str) -> list[dict]:
    return [{"type": t, "status": "Unknown", "reason": "Pending", "message": "Waiting for controller",
             "lastTransitionTime": _EPOCH} for t in types]


# references

PARENT_REF = obj("A reference to the parent (a Gateway, or one of its listeners) a Route attaches to.", {
    "group": described(GROUP_NAME, "The parent's API group."),
    "kind": described(KIND, "The parent's kind."),
    "namespace": described(NAMESPACE, "The parent's namespace; the Route's own namespace when unset. A Route in "
                                      "another namespace is attached only where the listener allows it."),
    "name": described(OBJECT_NAME, "The parent's name."),
    "sectionName": described(SECTION_NAME, "The listener of the Gateway to attach to; all of them when unset."),
    "port": described(PORT, "The listener port to attach to; all listeners when unset."),
}, required=("name",))
PARENT_REF["properties"]["group"]["default"] = GROUP
PARENT_REF["properties"]["kind"]["default"] = "Gateway"

_PORT_FOR_SERVICE = rule("(size(self.group) == 0 && self.kind == 'Service') ? has(self.port) : true",
                         "Must have port for Service reference")


def _backend_object_ref(description: str, extra: dict[str, Schema] | None = None) -> Schema:
    props = {
        "group": described(GROUP_NAME, "The backend's API group; empty for the core group (Services)."),
        "kind": described(KIND, "The backend's kind; Service unless set."),
        "name": described(OBJECT_NAME, "The backend's name."),
        "namespace": described(NAMESPACE, "The backend's namespace; another namespace needs a ReferenceGrant there."),
        "port": described(PORT, "The destination port: the Service's port number. Required for Services."),
        **(extra or {}),
    }
    props["group"]["default"] = ""
    props["kind"]["default"] = "Service"
    return obj(description, props, required=("name",), rules=(_PORT_FOR_SERVICE,))


SECRET_REF = obj("A reference to a Secret (or another object holding a certificate and key).", {
    "group": {**described(GROUP_NAME, "The referent's API group; empty for the core group."), "default": ""},
    "kind": {**described(KIND, "The referent's kind; Secret unless set."), "default": "Secret"},
    "name": described(OBJECT_NAME, "The referent's name."),
    "namespace": described(NAMESPACE, "The referent's namespace; another namespace needs a ReferenceGrant there."),
}, required=("name",))

# GatewayClass

GATEWAY_CLASS_SPEC = obj("What the GatewayClass is: the controller that runs its Gateways.", {
    "controllerName": described({**CONTROLLER, "x-kubernetes-validations": [
        rule("self == oldSelf", "Value is immutable")]}, "The controller that manages Gateways of this class. "
        "kinns's is gateway.nginx.org/nginx-gateway-controller."),
    "description": string("What this class is for, in words.", max_length=64),
    "parametersRef": obj("A reference to an object with controller-specific settings for this class.", {
        "group": described(GROUP_NAME, "The referent's API group."),
        "kind": described(KIND, "The referent's kind."),
        "name": string("The referent's name.", min_length=1, max_length=253),
        "namespace": described(NAMESPACE, "The referent's namespace, for a namespaced kind."),
    }, required=("group", "kind", "name")),
}, required=("controllerName",))

GATEWAY_CLASS_STATUS = obj("What the controller has observed of this class.", {
    "conditions": conditions("Accepted: the controller took this class (True) or refuses it (False); "
                             "SupportedVersion: the installed CRDs are a version the controller supports.",
                             _pending("Accepted")),
}, default={"conditions": _pending("Accepted")})

# Gateway

LISTENER_TLS = obj("How a listener terminates TLS.", {
    "mode": string("Terminate (decrypt at the Gateway) or Passthrough.", enum=("Terminate", "Passthrough"),
                   default="Terminate"),
    "certificateRefs": array("Secrets of type kubernetes.io/tls with the certificate and key to serve.",
                             SECRET_REF, max_items=64),
    "options": string_map("Implementation-specific TLS settings.", max_properties=16),
}, rules=(rule("self.mode == 'Terminate' ? size(self.certificateRefs) > 0 || size(self.options) > 0 : true",
               "certificateRefs or options must be specified when mode is Terminate"),))

ROUTE_GROUP_KIND = obj("A kind of Route.", {
    "group": {**described(GROUP_NAME, "The Route's API group."), "default": GROUP},
    "kind": described(KIND, "The Route's kind, such as HTTPRoute."),
}, required=("kind",))

LISTENER = obj("A logical endpoint of the Gateway: a port, a protocol and optionally a hostname.", {
    "name": described(SECTION_NAME, "The listener's name, unique in the Gateway; Routes name it in sectionName."),
    "hostname": described(HOSTNAME, "The host this listener serves (Host header, and SNI for HTTPS); every host "
                                    "when unset. `*.example.com` matches any name below example.com."),
    "port": described(PORT, "The port the listener accepts connections on."),
    "protocol": PROTOCOL,
    "tls": LISTENER_TLS,
    "allowedRoutes": obj("Which Routes may attach to this listener: their namespaces and kinds.", {
        "namespaces": obj("The namespaces Routes may attach from.", {
            "from": string("Same (the Gateway's namespace), All, or Selector.", enum=("All", "Selector", "Same"),
                           default="Same"),
            "selector": described(LABEL_SELECTOR, "With from: Selector, the labels of the namespaces allowed."),
        }, default={"from": "Same"}),
        "kinds": array("The Route kinds allowed; those of the listener's protocol when empty.", ROUTE_GROUP_KIND,
                       max_items=8),
    }, default={"namespaces": {"from": "Same"}}),
}, required=("name", "port", "protocol"))

GATEWAY_SPEC = obj("The Gateway's listeners and the class that runs them.", {
    "gatewayClassName": described(OBJECT_NAME, "The GatewayClass whose controller runs this Gateway."),
    "listeners": array("The listeners, each a distinct combination of port, protocol and hostname.", LISTENER,
                       min_items=1, max_items=64, keys=("name",), rules=(
        rule("self.all(l, l.protocol in ['HTTP', 'TCP', 'UDP'] ? !has(l.tls) : true)",
             "tls must not be specified for protocols ['HTTP', 'TCP', 'UDP']"),
        rule("self.all(l, l.protocol in ['HTTPS', 'TLS'] ? has(l.tls) : true)",
             "tls mode must be set for protocols ['HTTPS', 'TLS']"),
        rule("self.all(l, l.protocol in ['TCP', 'UDP'] ? (!has(l.hostname) || l.hostname == '') : true)",
             "hostname must not be specified for protocols ['TCP', 'UDP']"),
        rule("self.all(l1, self.exists_one(l2, l1.name == l2.name))",
             "Listener name must be unique within the Gateway"),
        rule("self.all(l1, self.exists_one(l2, l1.port == l2.port && l1.protocol == l2.protocol && "
             "(has(l1.hostname) && has(l2.hostname) ? l1.hostname == l2.hostname : !has(l1.hostname) && "
             "!has(l2.hostname))))", "Combination of port, protocol and hostname must be unique for each listener"),
    )),
    "addresses": array("Addresses asked for; kinns gives each Gateway a LoadBalancer address of its own.",
                       obj("An address asked for.", {
                           "type": string("IPAddress, Hostname or a domain-prefixed type.", min_length=1,
                                          max_length=253, default="IPAddress",
                                          pattern=rf"^Hostname|IPAddress|NamedAddress|{_DNS}\/[a-zA-Z0-9]+$"),
                           "value": string("The address.", max_length=253),
                       }), max_items=16),
    "infrastructure": obj("Labels and annotations for what the controller makes for this Gateway.", {
        "labels": string_map("Labels put on the Gateway's data plane objects.", max_properties=8),
        "annotations": string_map("Annotations put on the Gateway's data plane objects.", max_properties=8),
        "parametersRef": obj("Controller-specific settings for this Gateway.", {
            "group": described(GROUP_NAME, "The referent's API group."),
            "kind": described(KIND, "The referent's kind."),
            "name": string("The referent's name.", min_length=1, max_length=253),
        }, required=("group", "kind", "name")),
    }),
}, required=("gatewayClassName", "listeners"))

GATEWAY_STATUS = obj("What the controller has made of the Gateway.", {
    "addresses": array("The addresses the Gateway answers on.", obj("An address.", {
        "type": string("IPAddress or Hostname.", default="IPAddress"),
        "value": string("The address.", min_length=1, max_length=253),
    }, required=("value",)), max_items=16),
    "conditions": conditions("Accepted: the configuration is valid; Programmed: the data plane serves it.",
                             _pending("Accepted", "Programmed")),
    "listeners": array("Per listener: the Route kinds it takes, how many Routes are attached, its conditions.",
                       obj("A listener's status.", {
                           "name": described(SECTION_NAME, "The listener's name."),
                           "supportedKinds": array("The Route kinds this listener takes.", ROUTE_GROUP_KIND,
                                                   max_items=8),
                           "attachedRoutes": integer("How many Routes are attached to this listener.", fmt="int32"),
                           "conditions": conditions("Accepted, Conflicted, ResolvedRefs, Programmed."),
                       }, required=("attachedRoutes", "conditions", "name", "supportedKinds")),
                       max_items=64, keys=("name",)),
}, default={"conditions": _pending("Accepted", "Programmed")})

# HTTPRoute

_HTTP_HEADER = obj("An HTTP header name and value.", {
    "name": described(HEADER_NAME, "The header's name (case-insensitive)."),
    "value": string("The header's value.", min_length=1, max_length=4096),
}, required=("name", "value"))

HEADER_FILTER = obj("Headers to set (replace), add (append) or remove.", {
    "set": array("Headers to set, replacing any the message has.", _HTTP_HEADER, max_items=16, keys=("name",)),
    "add": array("Headers to add after any the message has.", _HTTP_HEADER, max_items=16, keys=("name",)),
    "remove": array("Names of headers to remove.", string(), max_items=16, set_=True),
})

PATH_MODIFIER = obj("How a redirect or rewrite changes the path.", {
    "type": string("ReplaceFullPath or ReplacePrefixMatch.", enum=("ReplaceFullPath", "ReplacePrefixMatch")),
    "replaceFullPath": string("The path that replaces the whole path.", max_length=1024),
    "replacePrefixMatch": string("What replaces the part of the path the PathPrefix match matched.",
                                 max_length=1024),
}, required=("type",), rules=(
    rule("self.type == 'ReplaceFullPath' ? has(self.replaceFullPath) : true",
         "replaceFullPath must be specified when type is set to 'ReplaceFullPath'"),
    rule("has(self.replaceFullPath) ? self.type == 'ReplaceFullPath' : true",
         "type must be 'ReplaceFullPath' when replaceFullPath is set"),
    rule("self.type == 'ReplacePrefixMatch' ? has(self.replacePrefixMatch) : true",
         "replacePrefixMatch must be specified when type is set to 'ReplacePrefixMatch'"),
    rule("has(self.replacePrefixMatch) ? self.type == 'ReplacePrefixMatch' : true",
         "type must be 'ReplacePrefixMatch' when replacePrefixMatch is set"),
))

_FILTER_FIELDS = {"RequestHeaderModifier": "requestHeaderModifier", "ResponseHeaderModifier": "responseHeaderModifier",
                  "RequestMirror": "requestMirror", "RequestRedirect": "requestRedirect", "URLRewrite": "urlRewrite",
                  "ExtensionRef": "extensionRef"}


def _filter_rules() -> tuple[dict, ...]:
    out = []
    for kind, field in _FILTER_FIELDS.items():
        out.append(rule(f"!(has(self.{field}) && self.type != '{kind}')",
                        f"filter.{field} must be nil if the filter.type is not {kind}"))
        out.append(rule(f"!(!has(self.{field}) && self.type == '{kind}')",
                        f"filter.{field} must be specified for {kind} filter.type"))
    return tuple(out)


FILTER = obj("A step applied to matching requests, such as a header change, a redirect or a rewrite.", {
    "type": string("The kind of filter; its settings are in the field of the same name.",
                   enum=tuple(_FILTER_FIELDS)),
    "requestHeaderModifier": described(HEADER_FILTER, "Changes the request's headers before it is forwarded."),
    "responseHeaderModifier": described(HEADER_FILTER, "Changes the response's headers before it is returned."),
    "requestMirror": obj("Sends a copy of each request to another backend; its responses are dropped.", {
        "backendRef": _backend_object_ref("The backend that receives the copies."),
    }, required=("backendRef",)),
    "requestRedirect": obj("Answers with a redirect instead of forwarding.", {
        "scheme": string("The scheme of the Location; the request's when unset.", enum=("http", "https")),
        "hostname": described(PRECISE_HOSTNAME, "The host of the Location; the request's when unset."),
        "path": described(PATH_MODIFIER, "How the Location's path is made from the request's."),
        "port": described(PORT, "The port of the Location; from the scheme, or the listener's, when unset."),
        "statusCode": integer("301 or 302.", enum=(301, 302), default=302),
    }),
    "urlRewrite": obj("Rewrites the request's host or path before it is forwarded.", {
        "hostname": described(PRECISE_HOSTNAME, "The Host header sent to the backend."),
        "path": described(PATH_MODIFIER, "How the forwarded path is made from the request's."),
    }),
    "extensionRef": obj("An implementation-specific filter; kinns has none.", {
        "group": described(GROUP_NAME, "The referent's API group."),
        "kind": described(KIND, "The referent's kind."),
        "name": described(OBJECT_NAME, "The referent's name."),
    }, required=("group", "kind", "name")),
}, required=("type",), rules=_filter_rules())

_FILTER_LIST_RULES = (
    rule("!(self.exists(f, f.type == 'RequestRedirect') && self.exists(f, f.type == 'URLRewrite'))",
         "May specify either httpRouteFilterRequestRedirect or httpRouteFilterRequestRewrite, but not both"),
    *(rule(f"self.filter(f, f.type == '{kind}').size() <= 1", f"{kind} filter cannot be repeated")
      for kind in ("RequestHeaderModifier", "ResponseHeaderModifier", "RequestRedirect", "URLRewrite")),
)

_PATH_RULES = (
    rule("(self.type in ['Exact', 'PathPrefix']) ? self.value.startsWith('/') : true",
         "value must be an absolute path and start with '/' when type one of ['Exact', 'PathPrefix']"),
    rule("(self.type in ['Exact', 'PathPrefix']) ? !self.value.contains('//') : true",
         "must not contain '//' when type one of ['Exact', 'PathPrefix']"),
    rule("(self.type in ['Exact', 'PathPrefix']) ? !self.value.contains('/./') : true",
         "must not contain '/./' when type one of ['Exact', 'PathPrefix']"),
    rule("(self.type in ['Exact', 'PathPrefix']) ? !self.value.contains('/../') : true",
         "must not contain '/../' when type one of ['Exact', 'PathPrefix']"),
    rule("(self.type in ['Exact', 'PathPrefix']) ? !self.value.contains('%2f') && !self.value.contains('%2F') "
         ": true", "must not contain '%2f' or '%2F' when type one of ['Exact', 'PathPrefix']"),
    rule("(self.type in ['Exact', 'PathPrefix']) ? !self.value.contains('#') : true",
         "must not contain '#' when type one of ['Exact', 'PathPrefix']"),
    rule("(self.type in ['Exact', 'PathPrefix']) ? !self.value.endsWith('/..') && !self.value.endsWith('/.') "
         ": true", "must not end with '/..' or '/.' when type one of ['Exact', 'PathPrefix']"),
    rule("(self.type in ['Exact', 'PathPrefix']) ? self.value.matches(r\"\"\"^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|"
         "[%][0-9a-fA-F]{2})+$\"\"\") : true",
         "must only contain valid characters (matching ^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$) "
         "for types ['Exact', 'PathPrefix']"),
)

MATCH = obj("Conditions a request must all meet: path, headers, query parameters, method.", {
    "path": obj("How the request path is matched.", {
        "type": string("Exact, PathPrefix (element by element: /foo matches /foo and /foo/bar, not /foobar) or "
                       "RegularExpression (PCRE, as nginx matches).",
                       enum=("Exact", "PathPrefix", "RegularExpression"), default="PathPrefix"),
        "value": string("The path, prefix or expression.", max_length=1024, default="/"),
    }, default={"type": "PathPrefix", "value": "/"}, rules=_PATH_RULES),
    "headers": array("Headers the request must have, each Exact or RegularExpression.", obj("A header match.", {
        "type": string("Exact or RegularExpression.", enum=("Exact", "RegularExpression"), default="Exact"),
        "name": described(HEADER_NAME, "The header's name (case-insensitive)."),
        "value": string("The value to match.", min_length=1, max_length=4096),
    }, required=("name", "value")), max_items=16, keys=("name",)),
    "queryParams": array("Query parameters the request must have.", obj("A query parameter match.", {
        "type": string("Exact or RegularExpression.", enum=("Exact", "RegularExpression"), default="Exact"),
        "name": described(HEADER_NAME, "The parameter's name (case-sensitive)."),
        "value": string("The value to match.", min_length=1, max_length=1024),
    }, required=("name", "value")), max_items=16, keys=("name",)),
    "method": string("The HTTP method the request must have.",
                     enum=("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH")),
})

BACKEND_REF = _backend_object_ref("Where matching requests go: a Service port, with a weight.", {
    "weight": integer("This backend's share of the rule's requests, relative to the other backends' weights; 0 "
                      "sends it none.", minimum=0, maximum=1000000, default=1),
    "filters": array("Filters applied only to requests sent to this backend.", FILTER, max_items=16,
                     rules=_FILTER_LIST_RULES),
})

_PREFIX_ONLY = ("((size(self.matches) != 1 || !has(self.matches[0].path) || self.matches[0].path.type != "
                "'PathPrefix') ? false : true)")
RULE = obj("Matches, the filters applied to matching requests, and the backends they go to.", {
    "name": described(SECTION_NAME, "The rule's name, unique in the Route."),
    "matches": array("Alternatives: the rule applies when any one matches. Without any, every request "
                     "matches (PathPrefix /).", MATCH, max_items=64,
                     default=[{"path": {"type": "PathPrefix", "value": "/"}}]),
    "filters": array("Filters applied to every matching request, in order.", FILTER, max_items=16,
                     rules=_FILTER_LIST_RULES),
    "backendRefs": array("The backends, weighted; without any (and no redirect), matching requests get 500.",
                         BACKEND_REF, max_items=16),
    "timeouts": obj("How long a request may take.", {
        "request": described(DURATION, "The whole request, from the client's view; 0s: no limit."),
        "backendRequest": described(DURATION, "One request to a backend."),
    }, rules=(rule("!(has(self.request) && has(self.backendRequest) && duration(self.request) != duration('0s') "
                   "&& duration(self.backendRequest) > duration(self.request))",
                   "backendRequest timeout cannot be longer than request timeout"),)),
}, rules=(
    rule("(has(self.backendRefs) && size(self.backendRefs) > 0) ? (!has(self.filters) || self.filters.all(f, "
         "!has(f.requestRedirect))): true", "RequestRedirect filter must not be used together with backendRefs"),
    rule("(has(self.filters) && self.filters.exists_one(f, has(f.requestRedirect) && has(f.requestRedirect.path) "
         "&& f.requestRedirect.path.type == 'ReplacePrefixMatch' && has(f.requestRedirect.path.replacePrefixMatch)"
         ")) ? " + _PREFIX_ONLY + " : true",
         "When using RequestRedirect filter with path.replacePrefixMatch, exactly one PathPrefix match must be "
         "specified"),
    rule("(has(self.filters) && self.filters.exists_one(f, has(f.urlRewrite) && has(f.urlRewrite.path) && "
         "f.urlRewrite.path.type == 'ReplacePrefixMatch' && has(f.urlRewrite.path.replacePrefixMatch))) ? "
         + _PREFIX_ONLY + " : true",
         "When using URLRewrite filter with path.replacePrefixMatch, exactly one PathPrefix match must be "
         "specified"),
))

HTTP_ROUTE_SPEC = obj("Which Gateways the Route attaches to, the hosts it serves and its rules.", {
    "parentRefs": array("The Gateways (or their listeners) this Route attaches to.", PARENT_REF, max_items=32),
    "hostnames": array("The hosts this Route serves, intersected with each listener's hostname; every host the "
                       "listener serves when empty.", HOSTNAME, max_items=16),
    "rules": array("The rules, matched across all Routes of a listener by the specification's precedence: Exact "
                   "path, longest prefix, method, most headers, most query parameters, oldest Route.", RULE,
                   max_items=16, default=[{"matches": [{"path": {"type": "PathPrefix", "value": "/"}}]}], rules=(
                       rule("self.all(l1, !has(l1.name) || self.exists_one(l2, has(l2.name) && l1.name == l2.name))",
                            "Rule name must be unique within the route"),)),
})

HTTP_ROUTE_STATUS = obj("Per parent: whether the Route is attached and its references resolved.", {
    "parents": array("The parents this Route names that a controller handles.", obj("One parent's view.", {
        "parentRef": PARENT_REF,
        "controllerName": described(CONTROLLER, "The controller that wrote this entry."),
        "conditions": conditions("Accepted: attached to the parent; ResolvedRefs: every backend resolved.",
                                 min_items=1),
    }, required=("controllerName", "parentRef")), max_items=32),
}, required=("parents",))

# ReferenceGrant

REFERENCE_GRANT_SPEC = obj("Which objects in other namespaces may refer to objects in this one.", {
    "from": array("The referring objects: group, kind and namespace.", obj("Who may refer.", {
        "group": described(GROUP_NAME, "The referrer's API group."),
        "kind": described(KIND, "The referrer's kind, such as HTTPRoute or Gateway."),
        "namespace": described(NAMESPACE, "The referrer's namespace."),
    }, required=("group", "kind", "namespace")), min_items=1, max_items=16),
    "to": array("The objects of this namespace that may be referred to.", obj("What may be referred to.", {
        "group": described(GROUP_NAME, "The referent's API group; empty for the core group."),
        "kind": described(KIND, "The referent's kind, such as Service or Secret."),
        "name": described(OBJECT_NAME, "One object's name; every object of the kind when unset."),
    }, required=("group", "kind")), min_items=1, max_items=16),
}, required=("from", "to"))


def _crd(kind: str, plural: str, scope: str, versions: list[tuple[str, bool]], body: Schema, columns: list[dict],
         short_names: tuple[str, ...] = (), status: bool = True) -> dict:
    return schema.crd(GROUP, kind, plural, scope, versions, body, columns, categories=("gateway-api",),
                      short_names=short_names, status=status, annotations={
                          "gateway.networking.k8s.io/bundle-version": BUNDLE_VERSION,
                          "gateway.networking.k8s.io/channel": "standard"})


def crds() -> list[dict]:
    """The CustomResourceDefinitions, in the order they install."""
    return [
        _crd("GatewayClass", "gatewayclasses", "Cluster", [("v1", True)], root(
            "A class of Gateways run by one controller.", GATEWAY_CLASS_SPEC, GATEWAY_CLASS_STATUS),
             [{"name": "Controller", "type": "string", "jsonPath": ".spec.controllerName"},
              {"name": "Accepted", "type": "string", "jsonPath": '.status.conditions[?(@.type=="Accepted")].status'},
              AGE, {"name": "Description", "type": "string", "jsonPath": ".spec.description", "priority": 1}],
             ("gc",)),
        _crd("Gateway", "gateways", "Namespaced", [("v1", True)], root(
            "Listeners bound to addresses, run by the controller of the Gateway's class.", GATEWAY_SPEC,
            GATEWAY_STATUS),
             [{"name": "Class", "type": "string", "jsonPath": ".spec.gatewayClassName"},
              {"name": "Address", "type": "string", "jsonPath": ".status.addresses[*].value"},
              {"name": "Programmed", "type": "string",
               "jsonPath": '.status.conditions[?(@.type=="Programmed")].status'}, AGE], ("gtw",)),
        _crd("HTTPRoute", "httproutes", "Namespaced", [("v1", True)], root(
            "Routes HTTP requests by host, path, headers, query parameters and method to backends.",
            HTTP_ROUTE_SPEC, HTTP_ROUTE_STATUS),
             [{"name": "Hostnames", "type": "string", "jsonPath": ".spec.hostnames"}, AGE]),
        _crd("ReferenceGrant", "referencegrants", "Namespaced", [("v1beta1", True)], root(
            "Lets objects in other namespaces refer to objects in this one (a Route to a Service, a Gateway "
            "to a Secret).", REFERENCE_GRANT_SPEC, None), [AGE], ("refgrant",), status=False),
    ]


def manifest() -> str:
    header = ("# Gateway API standard channel CRDs as kinns serves them (GatewayClass, Gateway, HTTPRoute,\n"
              "# ReferenceGrant), generated by `python -m kinns.ingress.gateway.api`. Install: kubectl apply -f\n")
    return header + schema.dump(crds())


if __name__ == "__main__":
    sys.stdout.write(manifest())
