"""API errors as `Status` objects with kube-apiserver's reasons, codes and wording.

One exception for both sides: the API server raises it and answers with its
Status; the client raises it from a Status it got back.
"""


class APIError(Exception):
    def __init__(self, code: int, reason: str, message: str, details: dict | None = None) -> None:
        super().__init__(message)
        self.code, self.reason, self.message, self.details = code, reason, message, details

    def to_status(self) -> dict:
        out = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
               "message": self.message, **({"reason": self.reason} if self.reason else {}), "code": self.code}
        if self.details:
            out["details"] = self.details
        return out

    @classmethod
    def from_status(cls, code: int, body: object) -> "APIError":
        """The error an HTTP answer stands for: its Status when it sent one, else its code."""
        status = body if isinstance(body, dict) else {}
        return cls(code, status.get("reason") or "Unknown", status.get("message") or f"the server answered {code}",
                   status.get("details"))


def _qualified(resource: str, group: str) -> str:
    return f"{resource}.{group}" if group else resource


def not_found(resource: str, group: str, name: str) -> APIError:
    return APIError(404, "NotFound", f'{_qualified(resource, group)} "{name}" not found',
                    {"name": name, "group": group, "kind": resource} if group else {"name": name, "kind": resource})


def already_exists(resource: str, group: str, name: str) -> APIError:
    details = {"name": name, "kind": resource, **({"group": group} if group else {})}
    return APIError(409, "AlreadyExists", f'{_qualified(resource, group)} "{name}" already exists', details)


def conflict(resource: str, group: str, name: str) -> APIError:
    details = {"name": name, "kind": resource, **({"group": group} if group else {})}
    return APIError(409, "Conflict", f'Operation cannot be fulfilled on {_qualified(resource, group)} "{name}": '
                    "the object has been modified; please apply your changes to the latest version and try again",
                    details)


def invalid(kind: str, group: str, name: str, causes: list[tuple[str, str, str]]) -> APIError:
    """causes: (field path, reason type, message) -> 'Kind "name" is invalid: field: message'."""
    text = "; ".join(f"{path}: {msg}" for path, _, msg in causes)
    if len(causes) > 1:
        text = "[" + ", ".join(f"{path}: {msg}" for path, _, msg in causes) + "]"
    details = {"name": name, "kind": kind, "causes": [{"reason": r, "message": m, "field": p}
                                                       for p, r, m in causes]}
    if group:
        details["group"] = group
    return APIError(422, "Invalid", f'{kind}{"." + group if group else ""} "{name}" is invalid: {text}', details)


def bad_request(message: str) -> APIError:
    return APIError(400, "BadRequest", message)


def method_not_allowed(message: str) -> APIError:
    return APIError(405, "MethodNotAllowed", message)


def unauthorized() -> APIError:
    return APIError(401, "Unauthorized", "Unauthorized")


def gone(message: str) -> APIError:
    return APIError(410, "Expired", message)


def admission_forbidden(resource: str, group: str, name: str, message: str) -> APIError:
    """What an admission plugin's refusal reads as: 'pods "x" is forbidden: <message>' (admission.NewForbidden)."""
    details = {"name": name, "kind": resource, **({"group": group} if group else {})}
    return APIError(403, "Forbidden", f'{_qualified(resource, group)} "{name}" is forbidden: {message}', details)
