"""admissionregistration.k8s.io: webhook configurations, ValidatingAdmissionPolicies and their bindings, checked
as kube-apiserver checks them (its messages, its field paths), CEL expressions compiled when written."""

from urllib.parse import urlsplit

from .. import cel
from . import formats
from .apps import label_selector
from .field import (Cause, child, duplicate, forbidden, index, invalid, invalid_each, invalid_strings, not_supported,
                    required, set_of, too_many)
from .meta import dict_of, list_of
from .rbac import path_segment

OPERATIONS = ("*", "CONNECT", "CREATE", "DELETE", "UPDATE")
SCOPES = ("*", "Cluster", "Namespaced")
FAILURE_POLICIES = ("Fail", "Ignore")
MATCH_POLICIES = ("Equivalent", "Exact")
NO_SIDE_EFFECTS = ("None", "NoneOnDryRun")
REINVOCATION = ("IfNeeded", "Never")
REVIEW_VERSIONS = ("v1", "v1beta1")
ACTIONS = ("Audit", "Deny", "Warn")
REASONS = ("Forbidden", "Invalid", "RequestEntityTooLarge")
URL_FORM = "; desired format: https://host[/path]"


def _expression(expression: object, where: str) -> list[Cause]:
    """A CEL expression that does not compile, as kube-apiserver reports it."""
    try:
        cel.program(str(expression))
    except cel.RuleError as err:
        return [invalid(where, expression, str(err))]
    return []


def _wildcard_alone(values: list, where: str, what: str) -> list[Cause]:
    if len(values) > 1 and "*" in values:
        return [invalid_strings(where, values, f"if '*' is present, must not specify other {what}")]
    return []


def _resources(resources: list, where: str) -> list[Cause]:
    """resource or resource/subresource entries, with kube-apiserver's rules for their wildcards."""
    if not resources:
        return [required(where)]
    causes: list[Cause] = []
    whole_wild, sub_wild = set(), set()
    has_plain = False
    for i, entry in enumerate(resources):
        entry = str(entry)
        if not entry:
            causes.append(required(index(where, i)))
            continue
        if "/" not in entry:
            has_plain = has_plain or entry != "*"
            continue
        res, sub = entry.split("/", 1)
        if res in whole_wild:
            causes.append(invalid(index(where, i), entry, f"if '{res}/*' is present, must not specify {entry}"))
        if sub in sub_wild:
            causes.append(invalid(index(where, i), entry, f"if '*/{sub}' is present, must not specify {entry}"))
        if sub == "*":
            whole_wild.add(res)
        if res == "*":
            sub_wild.add(sub)
    if len(resources) > 1 and "*/*" in resources:
        causes.append(invalid_strings(where, resources, "if '*/*' is present, must not specify other resources"))
    if "*" in resources and has_plain:
        causes.append(invalid_strings(where, resources, "if '*' is present, must not specify other resources without "
                                                "subresources"))
    return causes


def rule_with_operations(rule: dict, where: str) -> list[Cause]:
    operations = list_of(rule.get("operations"))
    causes = [] if operations else [required(child(where, "operations"))]
    if len(operations) > 1 and "*" in operations:
        causes.append(invalid_strings(child(where, "operations"), operations,
                              "if '*' is present, must not specify other operations"))
    causes += [not_supported(index(child(where, "operations"), i), op, OPERATIONS)
               for i, op in enumerate(operations) if op not in OPERATIONS]
    groups, versions = list_of(rule.get("apiGroups")), list_of(rule.get("apiVersions"))
    if not groups:
        causes.append(required(child(where, "apiGroups")))
    causes += _wildcard_alone(groups, child(where, "apiGroups"), "API groups")
    if not versions:
        causes.append(required(child(where, "apiVersions")))
    causes += _wildcard_alone(versions, child(where, "apiVersions"), "API versions")
    causes += [required(index(child(where, "apiVersions"), i)) for i, v in enumerate(versions) if not v]
    causes += _resources(list_of(rule.get("resources")), child(where, "resources"))
    if rule.get("scope") is not None and rule["scope"] not in SCOPES:
        causes.append(not_supported(child(where, "scope"), rule["scope"], SCOPES))
    return causes


def _fully_qualified(name: object, where: str) -> list[Cause]:
    if not name:
        return [required(where)]
    errors = formats.dns_subdomain(str(name))
    causes = [invalid(where, name, ",".join(errors))] if errors else []
    if len(str(name).split(".")) < 3:
        causes.append(invalid(where, name, "should be a domain with at least three segments separated by dots"))
    return causes


def _url(url: str, where: str) -> list[Cause]:
    try:
        parts = urlsplit(url)
    except ValueError as err:
        return [required(where, f"url must be a valid URL: {err}{URL_FORM}")]
    causes = []
    if parts.scheme != "https":
        causes.append(invalid(where, parts.scheme, "'https' is the only allowed URL scheme" + URL_FORM))
    if not parts.hostname:
        causes.append(invalid(where, parts.netloc, "host must be specified" + URL_FORM))
    if "@" in parts.netloc:
        causes.append(invalid(where, parts.netloc.rsplit("@", 1)[0], "user information is not permitted in the URL"))
    if parts.fragment:
        causes.append(invalid(where, parts.fragment, "fragments are not permitted in the URL"))
    if parts.query:
        causes.append(invalid(where, parts.query, "query parameters are not permitted in the URL"))
    return causes


def _service(service: dict, where: str) -> list[Cause]:
    causes = []
    if not service.get("name"):
        causes.append(required(child(where, "name"), "service name is required"))
    if not service.get("namespace"):
        causes.append(required(child(where, "namespace"), "service namespace is required"))
    port = service.get("port", 443)
    if errors := formats.port_number(port):
        causes.append(invalid(child(where, "port"), port, "port is not valid: " + ", ".join(errors)))
    path = service.get("path")
    if not isinstance(path, str) or path in ("", "/"):
        return causes
    if path == "//":
        return causes + [invalid(child(where, "path"), path, "segment[0] may not be empty")]
    if not path.startswith("/"):
        causes.append(invalid(child(where, "path"), path, "must start with a '/'"))
    steps = path[1:].removesuffix("/").split("/")
    for i, step in enumerate(steps):
        if not step:
            causes.append(invalid(child(where, "path"), path, f"segment[{i}] may not be empty"))
        causes += [invalid(child(where, "path"), path, f"segment[{i}]: {m}")
                   for m in (formats.dns_subdomain(step) if step else [])]
    return causes


def _match_conditions(conditions: list, where: str) -> list[Cause]:
    causes = [too_many(where, len(conditions), 64)] if len(conditions) > 64 else []
    seen: set[str] = set()
    for i, condition in enumerate(conditions):
        condition, at = dict_of(condition), index(where, i)
        expression = str(condition.get("expression") or "").strip()
        causes += _expression(expression, child(at, "expression")) if expression else \
            [required(child(at, "expression"))]
        name = condition.get("name")
        if not name:
            causes.append(required(child(at, "name")))
            continue
        causes += invalid_each(child(at, "name"), name, formats.qualified_name(str(name)))
        if name in seen:
            causes.append(duplicate(child(at, "name"), name))
        seen.add(name)
    return causes


def _webhook(hook: dict, where: str, mutating: bool) -> list[Cause]:
    causes = _fully_qualified(hook.get("name"), child(where, "name"))
    for i, rule in enumerate(list_of(hook.get("rules"))):
        causes += rule_with_operations(dict_of(rule), index(child(where, "rules"), i))
    for field, allowed in (("failurePolicy", FAILURE_POLICIES), ("matchPolicy", MATCH_POLICIES),
                           *((("reinvocationPolicy", REINVOCATION),) if mutating else ())):
        if hook.get(field) is not None and hook[field] not in allowed:
            causes.append(not_supported(child(where, field), hook[field], allowed))
    if hook.get("sideEffects") is None:
        causes.append(required(child(where, "sideEffects"), "must specify one of " + ", ".join(NO_SIDE_EFFECTS)))
    elif hook["sideEffects"] not in NO_SIDE_EFFECTS:
        causes.append(not_supported(child(where, "sideEffects"), hook["sideEffects"], NO_SIDE_EFFECTS))
    timeout = hook.get("timeoutSeconds")
    if isinstance(timeout, int) and not 1 <= timeout <= 30:
        causes.append(invalid(child(where, "timeoutSeconds"), timeout, "the timeout value must be between 1 and 30 "
                                                                        "seconds"))
    for selector in ("namespaceSelector", "objectSelector"):
        if hook.get(selector) is not None:
            causes += label_selector(hook[selector], child(where, selector))
    config = dict_of(hook.get("clientConfig"))
    if (config.get("url") is None) == (config.get("service") is None):
        causes.append(required(child(where, "clientConfig"), "exactly one of url or service is required"))
    elif config.get("url") is not None:
        causes += _url(str(config["url"]), child(child(where, "clientConfig"), "url"))
    else:
        causes += _service(dict_of(config["service"]), child(child(where, "clientConfig"), "service"))
    causes += _match_conditions(list_of(hook.get("matchConditions")), child(where, "matchConditions"))
    versions, at = list_of(hook.get("admissionReviewVersions")), child(where, "admissionReviewVersions")
    if not versions:
        causes.append(required(at, "must specify one of " + ", ".join(REVIEW_VERSIONS)))
    else:
        seen: set[str] = set()
        for i, version in enumerate(versions):
            if version in seen:
                causes.append(invalid(index(at, i), version, "duplicate version"))
                continue
            seen.add(version)
            causes += invalid_each(index(at, i), version, formats.dns1035_label(str(version)))
        if not seen & set(REVIEW_VERSIONS):
            causes.append(invalid_strings(at, versions, "must include at least one of " +
                                  ", ".join(REVIEW_VERSIONS)))
    return causes


def _webhooks(obj: dict, mutating: bool) -> list[Cause]:
    causes: list[Cause] = []
    names: set[str] = set()
    for i, hook in enumerate(list_of(obj.get("webhooks"))):
        hook = dict_of(hook)
        causes += _webhook(hook, index("webhooks", i), mutating)
        if hook.get("name"):
            if hook["name"] in names:
                causes.append(duplicate(child(index("webhooks", i), "name"), hook["name"]))
            names.add(hook["name"])
    return causes


def validating_webhooks(obj: dict, old: dict | None) -> list[Cause]:
    return _webhooks(obj, mutating=False)


def mutating_webhooks(obj: dict, old: dict | None) -> list[Cause]:
    return _webhooks(obj, mutating=True)


def match_resources(match: dict, where: str) -> list[Cause]:
    causes = []
    if match.get("matchPolicy") is None:
        causes.append(required(child(where, "matchPolicy")))
    elif match["matchPolicy"] not in MATCH_POLICIES:
        causes.append(not_supported(child(where, "matchPolicy"), match["matchPolicy"], MATCH_POLICIES))
    for selector in ("namespaceSelector", "objectSelector"):
        if match.get(selector) is None:
            causes.append(required(child(where, selector)))
        else:
            causes += label_selector(match[selector], child(where, selector))
    for rules in ("resourceRules", "excludeResourceRules"):
        for i, rule in enumerate(list_of(match.get(rules))):
            rule, at = dict_of(rule), index(child(where, rules), i)
            seen: set[str] = set()
            for j, name in enumerate(list_of(rule.get("resourceNames"))):
                causes += invalid_each(index(child(at, "resourceNames"), j), name, path_segment(str(name)))
                if name in seen:
                    causes.append(duplicate(index(child(at, "resourceNames"), j), name))
                seen.add(name)
            causes += rule_with_operations(rule, at)
    return causes


def _param_kind(kind: dict, where: str) -> list[Cause]:
    causes = []
    api_version = str(kind.get("apiVersion") or "")
    if not api_version:
        causes.append(required(child(where, "apiVersion")))
    elif api_version.count("/") > 1:
        causes.append(invalid(child(where, "apiVersion"), api_version,
                              f"unexpected GroupVersion string: {api_version}"))
    else:
        group, _, version = api_version.rpartition("/")
        if group and (errors := formats.dns_subdomain(group)):
            causes.append(invalid(child(where, "apiVersion"), group, ",".join(errors)))
        if not version:
            causes.append(invalid(child(where, "apiVersion"), api_version, "version must be specified"))
        elif errors := formats.dns1035_label(version):
            causes.append(invalid(child(where, "apiVersion"), version, ",".join(errors)))
    if not kind.get("kind"):
        causes.append(required(child(where, "kind")))
    elif errors := formats.dns1035_label(str(kind["kind"]).lower()):
        causes.append(invalid(child(where, "kind"), kind["kind"], "may have mixed case, but should otherwise "
                                                                  "match: " + ",".join(errors)))
    return causes


def _validation(rule: dict, where: str) -> list[Cause]:
    expression = str(rule.get("expression") or "")
    causes = _expression(expression, child(where, "expression")) if expression.strip() else \
        [required(child(where, "expression"), "expression is not specified")]
    message_expression = rule.get("messageExpression")
    if message_expression is not None and message_expression != "":
        if not str(message_expression).strip():
            causes.append(invalid(child(where, "messageExpression"), message_expression, "must be non-empty if "
                                                                                           "specified"))
        else:
            causes += _expression(message_expression, child(where, "messageExpression"))
    message = rule.get("message")
    if message is not None and message != "" and not str(message).strip():
        causes.append(invalid(child(where, "message"), message, "message must be non-empty if specified"))
    elif message and ("\n" in str(message).strip() or "\r" in str(message).strip()):
        causes.append(invalid(child(where, "message"), message, "message must not contain line breaks"))
    if rule.get("reason") is not None and rule["reason"] not in REASONS:
        causes.append(not_supported(child(where, "reason"), rule["reason"], REASONS))
    return causes


def policy(obj: dict, old: dict | None) -> list[Cause]:
    spec, where = dict_of(obj.get("spec")), "spec"
    causes = []
    if spec.get("failurePolicy") is None:
        causes.append(required("spec.failurePolicy"))
    elif spec["failurePolicy"] not in FAILURE_POLICIES:
        causes.append(not_supported("spec.failurePolicy", spec["failurePolicy"], FAILURE_POLICIES))
    if spec.get("paramKind") is not None:
        causes += _param_kind(dict_of(spec["paramKind"]), "spec.paramKind")
    if spec.get("matchConstraints") is None:
        causes.append(required("spec.matchConstraints"))
    else:
        causes += match_resources(dict_of(spec["matchConstraints"]), "spec.matchConstraints")
        if not list_of(dict_of(spec["matchConstraints"]).get("resourceRules")):
            causes.append(required("spec.matchConstraints.resourceRules"))
    causes += _match_conditions(list_of(spec.get("matchConditions")), "spec.matchConditions")
    for i, variable in enumerate(list_of(spec.get("variables"))):
        variable, at = dict_of(variable), index("spec.variables", i)
        name = str(variable.get("name") or "")
        if not name.strip():
            causes.append(required(child(at, "name"), "name is not specified"))
        elif not name.isidentifier() or not name.isascii():
            causes.append(invalid(child(at, "name"), name, "name is not a valid CEL identifier"))
        expression = str(variable.get("expression") or "")
        causes += _expression(expression, child(at, "expression")) if expression.strip() else \
            [required(child(at, "expression"), "expression is not specified")]
    validations, audits = list_of(spec.get("validations")), list_of(spec.get("auditAnnotations"))
    if not validations and not audits:
        text = "validations or auditAnnotations must contain at least one item"
        return causes + [required(child(where, "validations"), text), required(child(where, "auditAnnotations"), text)]
    for i, rule in enumerate(validations):
        causes += _validation(dict_of(rule), index("spec.validations", i))
    if len(audits) > 20:
        causes.append(invalid("spec.auditAnnotations", audits, "must not have more than 20 auditAnnotations"))
    keys: set[str] = set()
    for i, audit in enumerate(audits):
        audit, at = dict_of(audit), index("spec.auditAnnotations", i)
        key = str(audit.get("key") or "")
        causes += invalid_each(child(at, "key"), key,
                               formats.qualified_name(f"{(obj.get('metadata') or {}).get('name', '')}/{key}"))
        value = str(audit.get("valueExpression") or "")
        causes += _expression(value, child(at, "valueExpression")) if value.strip() else \
            [required(child(at, "valueExpression"), "valueExpression is not specified")]
        if key in keys:
            causes.append(duplicate(child(at, "key"), key))
        keys.add(key)
    return causes


def _param_ref(ref: dict, where: str) -> list[Cause]:
    causes = []
    if ref.get("name"):
        causes += invalid_each(child(where, "name"), ref["name"], path_segment(str(ref["name"])))
        if ref.get("selector") is not None:
            causes.append(forbidden(child(where, "name"), "name and selector are mutually exclusive"))
    if ref.get("selector") is not None:
        causes += label_selector(ref["selector"], child(where, "selector"))
        if ref.get("name"):
            causes.append(forbidden(child(where, "selector"), "name and selector are mutually exclusive"))
    if ref.get("namespace"):
        causes += invalid_each(child(where, "namespace"), ref["namespace"], path_segment(str(ref["namespace"])))
    action = ref.get("parameterNotFoundAction")
    if action is None:
        causes.append(required(child(where, "parameterNotFoundAction")))
    elif action not in ("Allow", "Deny"):
        causes.append(not_supported(child(where, "parameterNotFoundAction"), action, ("Allow", "Deny")))
    return causes


def binding(obj: dict, old: dict | None) -> list[Cause]:
    spec = dict_of(obj.get("spec"))
    causes = []
    if not spec.get("policyName"):
        causes.append(required("spec.policyName"))
    else:
        causes += invalid_each("spec.policyName", spec["policyName"], formats.dns_subdomain(str(spec["policyName"])))
    if spec.get("paramRef") is not None:
        causes += _param_ref(dict_of(spec["paramRef"]), "spec.paramRef")
    if spec.get("matchResources") is not None:
        causes += match_resources(dict_of(spec["matchResources"]), "spec.matchResources")
    actions = list_of(spec.get("validationActions"))
    causes += set_of("spec.validationActions", actions, ACTIONS)
    seen = set(actions)
    if {"Deny", "Warn"} <= seen:
        causes.append(invalid_strings("spec.validationActions", actions, "must not contain both Deny and Warn "
                                      "(repeating the same validation failure information in the API response "
                                      "and headers serves no purpose)"))
    if not seen:
        causes.append(required("spec.validationActions", "at least one validation action is required"))
    return causes
