"""RBAC rules: whether one allows a request, and whether a set of rules covers another (escalation)."""

from .attributes import Attributes


def _has(values: list[str] | None, wanted: str) -> bool:
    return bool(values) and ("*" in values or wanted in values)


def resource_matches(rule: dict, resource: str, subresource: str) -> bool:
    combined = f"{resource}/{subresource}" if subresource else resource
    for named in rule.get("resources") or []:
        if named in ("*", combined) or subresource and named == f"*/{subresource}":
            return True
    return False


def url_matches(rule: dict, path: str) -> bool:
    for url in rule.get("nonResourceURLs") or []:
        if url in ("*", path) or url.endswith("*") and path.startswith(url[:-1]):
            return True
    return False


def allows(rule: dict, attrs: Attributes) -> bool:
    if not _has(rule.get("verbs"), attrs.verb):
        return False
    if not attrs.resource_request:
        return url_matches(rule, attrs.path)
    if not _has(rule.get("apiGroups"), attrs.api_group):
        return False
    if not resource_matches(rule, attrs.resource, attrs.subresource):
        return False
    names = rule.get("resourceNames") or []
    return not names or attrs.name in names


def _atoms(rule: dict) -> list[tuple]:
    """A rule broken into single (verb, group, resource, name) or (verb, url) permissions."""
    verbs = rule.get("verbs") or []
    if rule.get("nonResourceURLs"):
        return [("url", v, u) for v in verbs for u in rule["nonResourceURLs"]]
    return [("res", v, g, r, n) for v in verbs for g in rule.get("apiGroups") or []
            for r in rule.get("resources") or [] for n in (rule.get("resourceNames") or [""])]


def _atom_covered(owner: dict, atom: tuple) -> bool:
    if not _has(owner.get("verbs"), atom[1]):
        return False
    if atom[0] == "url":
        return url_matches(owner, atom[2]) and (not atom[2].endswith("*") or
                                                any(u in ("*", atom[2]) for u in owner.get("nonResourceURLs") or []))
    _, _, group, resource, name = atom
    if not _has(owner.get("apiGroups"), group):
        return False
    owned = owner.get("resources") or []
    main, _, sub = resource.partition("/")
    if not ("*" in owned or resource in owned or sub and f"*/{sub}" in owned):
        return False
    names = owner.get("resourceNames") or []
    return not names or (bool(name) and name in names)


def uncovered(owner_rules: list[dict], wanted: list[dict]) -> list[dict]:
    """The rules of `wanted` (broken into single permissions) that no rule of `owner_rules` grants."""
    missing = []
    for rule in wanted:
        for atom in _atoms(rule):
            if not any(_atom_covered(owner, atom) for owner in owner_rules):
                if atom[0] == "url":
                    missing.append({"verbs": [atom[1]], "nonResourceURLs": [atom[2]]})
                else:
                    one = {"apiGroups": [atom[2]], "resources": [atom[3]], "verbs": [atom[1]]}
                    if atom[4]:
                        one["resourceNames"] = [atom[4]]
                    missing.append(one)
    return missing


def describe(rule: dict) -> str:
    """A rule as kube-apiserver prints one in an escalation refusal."""
    def q(values: list[str]) -> str:
        return "[" + " ".join(f'"{v}"' for v in values) + "]"

    if rule.get("nonResourceURLs"):
        return f"{{NonResourceURLs:{q(rule['nonResourceURLs'])}, Verbs:{q(rule['verbs'])}}}"
    text = f"{{APIGroups:{q(rule['apiGroups'])}, Resources:{q(rule['resources'])}"
    if rule.get("resourceNames"):
        text += f", ResourceNames:{q(rule['resourceNames'])}"
    return text + f", Verbs:{q(rule['verbs'])}}}"
