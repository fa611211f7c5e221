"""IP addresses and prefixes as (family, integer) pairs for the CNI plugins.

The `ipaddress` module costs ~4 ms to import (it pulls in `re`); the plugins
only need parsing, formatting and prefix arithmetic, which `_socket`'s
inet_pton/inet_ntop and integers do exactly.
"""

from _socket import AF_INET, AF_INET6, inet_ntop, inet_pton

BITS = {AF_INET: 32, AF_INET6: 128}
BYTES = {AF_INET: 4, AF_INET6: 16}


class Prefix:
    """An address with a prefix length, such as 10.244.1.5/24 (host bits kept)."""

    __slots__ = ("family", "value", "length")

    def __init__(self, family: int, value: int, length: int) -> None:
        self.family, self.value, self.length = family, value, length

    @property
    def bits(self) -> int:
        return BITS[self.family]

    @property
    def mask(self) -> int:
        return ((1 << self.bits) - 1) ^ ((1 << (self.bits - self.length)) - 1)

    @property
    def network(self) -> int:
        return self.value & self.mask

    @property
    def last(self) -> int:
        return self.network | ((1 << (self.bits - self.length)) - 1)

    def contains(self, family: int, value: int) -> bool:
        return family == self.family and value & self.mask == self.network

    def masked(self) -> "Prefix":
        return Prefix(self.family, self.network, self.length)

    def ip(self) -> str:
        return to_str(self.family, self.value)

    def __str__(self) -> str:
        return f"{self.ip()}/{self.length}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Prefix) and (self.family, self.value, self.length) == (
            other.family, other.value, other.length)

    def __hash__(self) -> int:
        return hash((self.family, self.value, self.length))


def parse_ip(text: str) -> tuple[int, int]:
    """'10.0.0.1' or 'fd00::1' -> (family, value); ValueError when neither."""
    family = AF_INET6 if ":" in text else AF_INET
    try:
        packed = inet_pton(family, text)
    except (OSError, TypeError):
        raise ValueError(f"invalid IP address {text!r}") from None
    return family, int.from_bytes(packed, "big")


def parse_prefix(text: str) -> Prefix:
    """'10.244.1.0/24' -> Prefix; ValueError on anything malformed."""
    if not isinstance(text, str) or text.count("/") != 1:
        raise ValueError(f"invalid CIDR address {text!r}")
    addr, _, length = text.partition("/")
    family, value = parse_ip(addr)
    if not length.isdigit() or int(length) > BITS[family]:
        raise ValueError(f"invalid prefix length in {text!r}")
    return Prefix(family, value, int(length))


def to_str(family: int, value: int) -> str:
    return inet_ntop(family, value.to_bytes(BYTES[family], "big"))


def to_bytes(family: int, value: int) -> bytes:
    return value.to_bytes(BYTES[family], "big")
