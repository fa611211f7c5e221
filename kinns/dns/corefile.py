"""The Corefile: CoreDNS's configuration language, parsed with line numbers for the error messages.

    zone1 zone2:port {          a server block: the zones it serves, on a port (default 53)
        plugin arg arg {        a directive; an optional block holds its properties
            property arg
        }
    }

Comments start with `#`; `{` and `}` may share lines with their directive;
`import`, `{$ENV}` and snippets are not supported and say so.
"""

import re
from dataclasses import dataclass, field

from .zones import fqdn


class CorefileError(Exception):
    """A configuration mistake, phrased as CoreDNS phrases it: `Corefile:LINE - Error during parsing: ...`."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"Corefile:{line} - Error during parsing: {message}")
        self.line = line


@dataclass
class Directive:
    name: str
    args: list[str]
    line: int
    block: list["Directive"] = field(default_factory=list)

    def error(self, message: str) -> CorefileError:
        return CorefileError(self.line, message)


@dataclass
class ServerBlock:
    zones: list[str]          # fully qualified, lower case: "cluster.local.", "."
    port: int
    directives: list[Directive]
    line: int


_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}]|[^\s{}"]+')


def _tokens(text: str) -> list[tuple[str, int, bool]]:
    """(token, line, starts a line) for every token outside comments."""
    out = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0] if "#" in raw and '"' not in raw else raw
        first = True
        for m in _TOKEN.finditer(line):
            tok = m.group(0)
            if tok.startswith('"'):
                tok = tok[1:-1].replace('\\"', '"')
            out.append((tok, number, first))
            first = False
    return out


def _zone(text: str, line: int) -> tuple[str, int]:
    scheme = ""
    if "://" in text:
        scheme, text = text.split("://", 1)
        if scheme != "dns":
            raise CorefileError(line, f"only dns:// servers are supported, not {scheme}://")
    port = 53
    if ":" in text:
        text, _, number = text.rpartition(":")
        if not number.isdigit() or not 0 < int(number) < 65536:
            raise CorefileError(line, f"invalid port {number!r}")
        port = int(number)
    return fqdn(text), port


def parse(text: str) -> list[ServerBlock]:
    tokens = _tokens(text)
    blocks: list[ServerBlock] = []
    i = 0

    def directives(depth: int) -> list[Directive]:
        nonlocal i
        out: list[Directive] = []
        while i < len(tokens):
            tok, line, _ = tokens[i]
            if tok == "}":
                i += 1
                return out
            if tok == "{":
                raise CorefileError(line, "unexpected '{'")
            if "{$" in tok or tok == "import":
                raise CorefileError(line, f"{tok!r}: imports, snippets and environment variables are not supported")
            d = Directive(tok, [], line)
            i += 1
            while i < len(tokens) and not tokens[i][2] and tokens[i][0] not in "{}":
                d.args.append(tokens[i][0])
                i += 1
            if i < len(tokens) and tokens[i][0] == "{" and tokens[i][1] == line:
                i += 1
                d.block = directives(depth + 1)
            out.append(d)
        raise CorefileError(tokens[-1][1] if tokens else 1, "unexpected end of file: missing '}'")

    while i < len(tokens):
        tok, line, _ = tokens[i]
        keys = []
        while i < len(tokens) and tokens[i][0] != "{":
            if tokens[i][0] == "}":
                raise CorefileError(tokens[i][1], "unexpected '}'")
            keys.append(tokens[i])
            i += 1
        if i >= len(tokens):
            raise CorefileError(line, f"server block {' '.join(k for k, _, _ in keys)!r} has no '{{'")
        i += 1
        zones = [_zone(k, ln) for k, ln, _ in keys]
        ports = {p for _, p in zones}
        if len(ports) > 1:
            raise CorefileError(line, "the zones of one server block must share a port")
        blocks.append(ServerBlock([z for z, _ in zones], ports.pop() if ports else 53, directives(0), line))
    if not blocks:
        raise CorefileError(1, "no server blocks")
    return blocks
