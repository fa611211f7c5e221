"""Command lines as the Go programs the upstream images ship read them, so a manifest's args are taken or refused
in the real binary's words.

Two readers exist in Go and both are used by the images kinns stands in for: spf13/pflag (ingress-nginx,
kube-webhook-certgen, NGINX Gateway Fabric: `--name=value`, `--name value`, booleans only as `--name` or
`--name=false`, `unknown flag: --name`) and the standard `flag` package (flanneld: one or two dashes,
`flag provided but not defined: -name`). Flags are declared with their defaults; `parse` gives the values,
which of them the command line set, and the positional arguments.
"""

from dataclasses import dataclass, field

_TRUE, _FALSE = ("1", "t", "T", "TRUE", "true", "True"), ("0", "f", "F", "FALSE", "false", "False")


class FlagError(Exception):
    """A command line the program refuses; the text is what the real binary prints."""


@dataclass
class FlagSet:
    name: str
    style: str = "pflag"  # or "flag" (Go's standard package)
    values: dict[str, object] = field(default_factory=dict)
    kinds: dict[str, type] = field(default_factory=dict)

    def add(self, name: str, default: object) -> None:
        """A flag whose type is its default's (bool, int, str, float; a list: a string flag that may repeat,
        each value added, as pflag's StringSlice)."""
        self.values[name], self.kinds[name] = default, type(default)

    def _dash(self, name: str) -> str:
        return f"--{name}" if self.style == "pflag" else f"-{name}"

    def _convert(self, name: str, text: str) -> object:
        kind = self.kinds[name]
        if kind is bool:
            if text in _TRUE or text in _FALSE:
                return text in _TRUE
            raise FlagError(f'invalid argument "{text}" for "{self._dash(name)}" flag: strconv.ParseBool: parsing '
                            f'"{text}": invalid syntax' if self.style == "pflag" else
                            f'invalid boolean value "{text}" for -{name}: parse error')
        try:
            return kind(text)
        except ValueError:
            raise FlagError(f'invalid argument "{text}" for "{self._dash(name)}" flag: strconv.Parse'
                            f'{"Int" if kind is int else "Float"}: parsing "{text}": invalid syntax'
                            if self.style == "pflag" else
                            f'invalid value "{text}" for flag -{name}: parse error') from None

    def parse(self, argv: list[str]) -> tuple[dict[str, object], set[str], list[str]]:
        """(values, the names the command line set, positional arguments)."""
        values, given, positional = dict(self.values), set(), []
        args = list(argv)
        while args:
            arg = args.pop(0)
            if arg == "--":
                positional += args
                break
            if not arg.startswith("-") or arg == "-":
                if self.style == "flag":  # the standard package stops at the first non-flag
                    positional += [arg, *args]
                    break
                positional.append(arg)
                continue
            if self.style == "pflag" and not arg.startswith("--") and arg != "-h":
                raise FlagError(f"unknown shorthand flag: '{arg[1]}' in {arg}")  # these programs declare none
            name, sep, value = arg.lstrip("-").partition("=")
            if name in ("h", "help"):
                raise FlagError("help requested")
            if name not in self.kinds:
                raise FlagError(f"unknown flag: --{name}" if self.style == "pflag" else
                                f"flag provided but not defined: -{name}")
            if self.kinds[name] is bool:
                values[name] = self._convert(name, value) if sep else True
            else:
                if not sep:
                    if not args:
                        raise FlagError(f"flag needs an argument: {self._dash(name)}")
                    value = args.pop(0)
                if self.kinds[name] is list:
                    values[name] = [*(values[name] if name in given else []), *value.split(",")]
                else:
                    values[name] = self._convert(name, value)
            given.add(name)
        return values, given, positional
