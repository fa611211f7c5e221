"""Query parameters read as kube-apiserver's parameter codec reads them.

Booleans follow Go's strconv.ParseBool (client libraries send `True`, `1`, `t`);
integers are refused with the parser's words rather than answered with a 500;
the ListOptions rules of watch-list (sendInitialEvents) are checked with
kube-apiserver's field causes.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from ..apimachinery.errors import bad_request, invalid
from ..apimachinery.params import parse_bool


def flag(query: Mapping[str, str], name: str) -> bool | None:
    """The boolean `name`, None when absent or empty; 400 when it is not one."""
    try:
        return parse_bool(query.get(name))
    except ValueError as err:
        raise bad_request(str(err)) from None


def integer(query: Mapping[str, str], name: str, default: int = 0) -> int:
    value = query.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value, 10)
    except ValueError:
        raise bad_request(f'strconv.ParseInt: parsing "{value}": invalid syntax') from None


@dataclass(frozen=True)
class ListOptions:
    """What a list or watch asks for besides its selectors."""

    resource_version: str
    match: str  # resourceVersionMatch: "", NotOlderThan or Exact
    send_initial: bool | None  # sendInitialEvents, None when not given
    bookmarks: bool

    @property
    def initial_events(self) -> bool:
        """Whether a watch starts with the current objects as ADDED events: when asked (watch-list), or, asked
        nothing, from resourceVersion "" or "0" as a watch always has."""
        if self.send_initial is not None:
            return self.send_initial
        return self.resource_version in ("", "0")


def list_options(query: Mapping[str, str], watch: bool) -> ListOptions:
    """The options, or 422 with the causes kube-apiserver's ListOptions validation gives."""
    opts = ListOptions(query.get("resourceVersion", ""), query.get("resourceVersionMatch", ""),
                       flag(query, "sendInitialEvents"), bool(flag(query, "allowWatchBookmarks")))
    causes = []
    if opts.match not in ("", "NotOlderThan", "Exact"):
        causes.append(("resourceVersionMatch", "FieldValueNotSupported",
                       f'Unsupported value: "{opts.match}": supported values: "Exact", "NotOlderThan", ""'))
    if opts.send_initial is not None:
        if not watch:
            causes.append(("sendInitialEvents", "FieldValueForbidden",
                           "Forbidden: sendInitialEvents is forbidden for list"))
        elif opts.match != "NotOlderThan":
            causes.append(("resourceVersionMatch", "FieldValueForbidden",
                           "Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"))
        if watch and not opts.bookmarks:
            causes.append(("allowWatchBookmarks", "FieldValueRequired",
                           "Required value: sendInitialEvents requires setting allowWatchBookmarks to true"))
    elif watch and opts.match:
        causes.append(("resourceVersionMatch", "FieldValueForbidden",
                       "Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided"))
    elif opts.match and not opts.resource_version:
        causes.append(("resourceVersionMatch", "FieldValueForbidden",
                       "Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided"))
    elif opts.match == "Exact" and opts.resource_version == "0":
        causes.append(("resourceVersionMatch", "FieldValueForbidden",
                       'Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0"'))
    if causes:
        raise invalid("ListOptions", "meta.k8s.io", "", causes)
    return opts
