"""The string formats of Kubernetes' validation (k8s.io/apimachinery's util/validation), with its messages.

Each check returns the list of what is wrong with a value (empty when it is
fine), worded as kube-apiserver words it, so the causes of a refusal read
the same as on a kubeadm cluster.
"""

import ipaddress
import re

DNS_LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
DNS_SUBDOMAIN = DNS_LABEL + "(\\." + DNS_LABEL + ")*"
DNS1035_LABEL = "[a-z]([-a-z0-9]*[a-z0-9])?"
LABEL_KEY = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
LABEL_VALUE = "(" + LABEL_KEY + ")?"
CONFIG_KEY = "[-._a-zA-Z0-9]+"
ENV_NAME = "[-._a-zA-Z][-._a-zA-Z0-9]*"
WILDCARD_SUBDOMAIN = "\\*\\." + DNS_SUBDOMAIN
QUANTITY = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$"
PERCENT = "[0-9]+%"
HTTP_HEADER = "[-A-Za-z0-9]+"

DNS_LABEL_MSG = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must "
                 "start and end with an alphanumeric character")
DNS_SUBDOMAIN_MSG = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
                     "'.', and must start and end with an alphanumeric character")
DNS1035_MSG = ("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
               "alphabetic character, and end with an alphanumeric character")
LABEL_KEY_MSG = ("must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
                 "alphanumeric character")
LABEL_VALUE_MSG = ("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
                   "and must start and end with an alphanumeric character")
CONFIG_KEY_MSG = "a valid config key must consist of alphanumeric characters, '-', '_' or '.'"
ENV_NAME_MSG = ("a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', "
                "and must not start with a digit")
WILDCARD_MSG = ("a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must "
                "consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character")
QUANTITY_MSG = f"quantities must match the regular expression '{QUANTITY}'"
IP_MSG = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"
CIDR_MSG = "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"

_compiled: dict[str, re.Pattern] = {}


def _full(pattern: str, value: str) -> bool:
    if pattern not in _compiled:
        _compiled[pattern] = re.compile(f"^(?:{pattern})$")
    return bool(_compiled[pattern].match(value))


def regex_error(message: str, pattern: str, *examples: str) -> str:
    if not examples:
        return f"{message} (regex used for validation is '{pattern}')"
    shown = " or ".join(f"'{e}', " for e in examples)
    return f"{message} (e.g. {shown}regex used for validation is '{pattern}')"


def max_len(length: int, unit: str = "characters") -> str:
    return f"must be no more than {length} {unit}"


def in_range(low: int, high: int) -> str:
    return f"must be between {low} and {high}, inclusive"


def dns_label(value: str) -> list[str]:
    out = [max_len(63)] if len(value) > 63 else []
    if not _full(DNS_LABEL, value):
        out.append("must not contain dots" if "." in value and _full(DNS_SUBDOMAIN, value) else
                   regex_error(DNS_LABEL_MSG, DNS_LABEL, "my-name", "123-abc"))
    return out


def dns_subdomain(value: str, unit: str = "characters") -> list[str]:
    out = [max_len(253, unit)] if len(value) > 253 else []
    if not _full(DNS_SUBDOMAIN, value):
        out.append(regex_error(DNS_SUBDOMAIN_MSG, DNS_SUBDOMAIN, "example.com"))
    return out


def dns1035_label(value: str) -> list[str]:
    out = [max_len(63)] if len(value) > 63 else []
    if not _full(DNS1035_LABEL, value):
        out.append(regex_error(DNS1035_MSG, DNS1035_LABEL, "my-name", "abc-123"))
    return out


def wildcard_subdomain(value: str) -> list[str]:
    out = [max_len(253)] if len(value) > 253 else []
    if not _full(WILDCARD_SUBDOMAIN, value):
        out.append(regex_error(WILDCARD_MSG, WILDCARD_SUBDOMAIN, "*.example.com"))
    return out


def qualified_name(value: str) -> list[str]:
    """A label key (and annotation key, finalizer): an optional DNS-subdomain prefix and '/', then a name."""
    parts = value.split("/")
    out: list[str] = []
    if len(parts) > 2:
        return ["a valid label key " + regex_error(LABEL_KEY_MSG, LABEL_KEY, "MyName", "my.name", "123-abc") +
                " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]
    name = parts[-1]
    if len(parts) == 2:
        if not parts[0]:
            out.append("prefix part must be non-empty")
        else:
            out += ["prefix part " + m for m in dns_subdomain(parts[0], "bytes")]
    if not name:
        out.append("name part must be non-empty")
    elif len(name) > 63:
        out.append("name part " + max_len(63, "bytes"))
    if not _full(LABEL_KEY, name):
        out.append("name part " + regex_error(LABEL_KEY_MSG, LABEL_KEY, "MyName", "my.name", "123-abc"))
    return out


def label_value(value: str) -> list[str]:
    out = [max_len(63, "bytes")] if len(value) > 63 else []
    if not _full(LABEL_VALUE, value):
        out.append(regex_error(LABEL_VALUE_MSG, LABEL_VALUE, "MyValue", "my_value", "12345"))
    return out


def port_number(value: object) -> list[str]:
    return [] if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 65535 else \
        [in_range(1, 65535)]


def port_name(value: str) -> list[str]:
    """An IANA service name: what a port's name (and a named targetPort) must be."""
    out = [max_len(15)] if len(value) > 15 else []
    if not re.fullmatch("[-a-z0-9]+", value):
        out.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if not re.search("[a-z]", value):
        out.append("must contain at least one letter (a-z)")
    if "--" in value:
        out.append("must not contain consecutive hyphens")
    if value and (value[0] == "-" or value[-1] == "-"):
        out.append("must not begin or end with a hyphen")
    return out


def _chdir_prefix(value: str) -> list[str]:
    if value == ".":
        return ["must not be '.'"]
    if value == "..":
        return ["must not be '..'"]
    return ["must not start with '..'"] if value.startswith("..") else []


def config_key(value: str) -> list[str]:
    """A key of a ConfigMap or Secret (a file name in a volume: never a path)."""
    out = [max_len(253)] if len(value) > 253 else []
    if not _full(CONFIG_KEY, value):
        out.append(regex_error(CONFIG_KEY_MSG, CONFIG_KEY, "key.name", "KEY_NAME", "key-name"))
    return out + _chdir_prefix(value)


def env_name(value: str) -> list[str]:
    out = [] if _full(ENV_NAME, value) else [regex_error(ENV_NAME_MSG, ENV_NAME, "my.env-name", "MY_ENV.NAME",
                                                        "MyEnvName1")]
    return out + _chdir_prefix(value)


def ip(value: str) -> list[str]:
    try:
        parsed = ipaddress.ip_address(value)
    except ValueError:
        return [IP_MSG]
    return [] if str(parsed) == value else [f'must be in canonical form ("{parsed}")']


def cidr(value: str) -> list[str]:
    try:
        net = ipaddress.ip_network(value)
    except ValueError:
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError:
            return [CIDR_MSG]
        return ["must not have bits set beyond the prefix length"]
    return [] if str(net) == value else [f'must be in canonical form ("{net}")']


def quantity(value: object) -> list[str]:
    """A resource quantity (100m, 1Gi, 2): what requests and limits hold."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return []
    return [] if isinstance(value, str) and re.match(QUANTITY, value) else [QUANTITY_MSG]


def percent(value: str) -> list[str]:
    return [] if _full(PERCENT, value) else [regex_error("a valid percent string must be a numeric string "
                                                          "followed by an ending '%'", PERCENT, "1%", "93%")]


def http_header_name(value: str) -> list[str]:
    return [] if _full(HTTP_HEADER, value) else [regex_error("a valid HTTP header must consist of alphanumeric "
                                                              "characters or '-'", HTTP_HEADER, "X-Header-Name")]
