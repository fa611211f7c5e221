"""Request parameters as Kubernetes servers read them: booleans by Go's strconv.ParseBool, which client libraries
rely on (`True`, `1`, `t` are all true). Shared by the API server and the kubelet's server."""

TRUE = ("1", "t", "T", "TRUE", "true", "True")
FALSE = ("0", "f", "F", "FALSE", "false", "False")


def parse_bool(value: str | None) -> bool | None:
    """True or False, None when absent or empty; ValueError (with ParseBool's words) for anything else."""
    if value is None or value == "":
        return None
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ValueError(f'strconv.ParseBool: parsing "{value}": invalid syntax')
