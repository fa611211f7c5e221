"""Resource quantities (100m, 1Gi, 2, 1e3) as exact numbers, and back to the text Kubernetes shows.

Values are Fractions, so 100m + 900m is exactly 1. A sum is written in the
form of the quantities it came from, as apimachinery keeps a Quantity's
format: binary suffixes (Ki, Mi, ...) when they were binary, decimal ones
otherwise, milli-units for a fraction (500m).
"""

from fractions import Fraction

BINARY = {"Ki": 2 ** 10, "Mi": 2 ** 20, "Gi": 2 ** 30, "Ti": 2 ** 40, "Pi": 2 ** 50, "Ei": 2 ** 60}
DECIMAL = {"n": Fraction(1, 10 ** 9), "u": Fraction(1, 10 ** 6), "m": Fraction(1, 1000), "k": 10 ** 3, "M": 10 ** 6,
           "G": 10 ** 9, "T": 10 ** 12, "P": 10 ** 15, "E": 10 ** 18}


def parse(value: object) -> Fraction:
    """The quantity's value; ValueError for text that is not one."""
    if isinstance(value, bool):
        raise ValueError(f"not a quantity: {value!r}")
    if isinstance(value, (int, float)):
        return Fraction(value)
    text = str(value).strip()
    for suffix, factor in (*BINARY.items(), *DECIMAL.items()):
        if text.endswith(suffix) and text[:-len(suffix)]:
            return Fraction(text[:-len(suffix)]) * factor
    return Fraction(text)


def is_binary(value: object) -> bool:
    return isinstance(value, str) and value.strip()[-2:] in BINARY


def format_quantity(amount: Fraction, binary: bool = False) -> str:
    """`amount` as Kubernetes writes it: 2, 500m, 1Gi (binary), 1500M."""
    if amount.denominator != 1:
        milli = amount * 1000
        return f"{int(milli)}m" if milli.denominator == 1 else str(float(amount))
    n = int(amount)
    units = BINARY if binary else {k: v for k, v in DECIMAL.items() if isinstance(v, int)}
    for suffix, factor in sorted(units.items(), key=lambda kv: -kv[1]):
        if n and n % factor == 0:
            return f"{n // factor}{suffix}"
    return str(n)
