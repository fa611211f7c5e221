"""iptables rules of the CNI plugins, named and commented as the reference plugins do.

The plugins keep this runner of their own rather than kinns.kernel.iptables:
it starts iptables with posix_spawn and imports nothing heavy, because a
plugin's start-up is most of what an ADD costs (docs/benchmarks.md).

Chains are `CNI-` plus the first 24 hex digits of sha512(network name + container
ID) and every rule carries the comment `name: "<net>" id: "<container>"`, so
rules made by kinns plugins and by the reference plugins look the same and
clean up the same way.
"""

import os

from .skel import ERR_INTERNAL, CNIError


def chain_name(network: str, container_id: str, prefix: str = "") -> str:
    from _sha512 import sha512

    return ("CNI-" + prefix + sha512((network + container_id).encode()).hexdigest())[:28]


def comment(network: str, container_id: str) -> str:
    return f'name: "{network}" id: "{container_id}"'


def run(*argv: str, check: bool = True) -> tuple[int, str]:
    """Run iptables/ip6tables (argv[0]) waiting for the xtables lock; return (status, stdout)."""
    binary = _which(argv[0])
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    try:
        pid = os.posix_spawn(binary, [argv[0], "-w", *argv[1:]], os.environ, file_actions=[
            (os.POSIX_SPAWN_DUP2, out_w, 1), (os.POSIX_SPAWN_DUP2, err_w, 2),
            (os.POSIX_SPAWN_CLOSE, out_r), (os.POSIX_SPAWN_CLOSE, err_r)])
    finally:
        os.close(out_w)
        os.close(err_w)
    out = _read_all(out_r)
    err = _read_all(err_r)
    code = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    if check and code:
        raise CNIError(ERR_INTERNAL, f"{' '.join(argv)} failed", err.strip())
    return code, out


def _read_all(fd: int) -> str:
    chunks = []
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
    os.close(fd)
    return b"".join(chunks).decode(errors="replace")


def _which(name: str) -> str:
    for directory in ("/usr/sbin", "/sbin", "/usr/bin", "/bin"):
        path = os.path.join(directory, name)
        if os.access(path, os.X_OK):
            return path
    raise CNIError(ERR_INTERNAL, f"{name} not found")


def binary_for(network: str) -> str:
    """The tool for an address or network: ip6tables for IPv6, else iptables."""
    return "ip6tables" if ":" in network else "iptables"


def binaries_for(addresses: list[str]) -> set[str]:
    """The tools that hold the rules of these addresses (iptables when there are none)."""
    return {binary_for(a) for a in addresses} or {"iptables"}


def setup_masquerade(address: str, chain: str, note: str) -> None:
    """NAT what the pod `address` (ip/len) sends outside its network, except multicast.

    The layout is the reference plugins': POSTROUTING jumps to the per-pod chain
    for the pod's source IP; the chain accepts traffic to the pod network and
    masquerades the rest.
    """
    network, pod_ip = address, address.split("/")[0]
    tool = binary_for(network)
    multicast = "ff00::/8" if tool == "ip6tables" else "224.0.0.0/4"
    if run(tool, "-t", "nat", "-N", chain, check=False)[0]:
        run(tool, "-t", "nat", "-F", chain)
    run(tool, "-t", "nat", "-A", chain, "-d", network, "-m", "comment", "--comment", note, "-j", "ACCEPT")
    run(tool, "-t", "nat", "-A", chain, "!", "-d", multicast, "-m", "comment", "--comment", note,
        "-j", "MASQUERADE")
    rule = ("-s", pod_ip, "-m", "comment", "--comment", note, "-j", chain)
    if run(tool, "-t", "nat", "-C", "POSTROUTING", *rule, check=False)[0]:
        run(tool, "-t", "nat", "-A", "POSTROUTING", *rule)


def teardown_chain(tool: str, table: str, chain: str, parents: tuple[str, ...]) -> None:
    """Remove every jump to `chain` from `parents`, then the chain itself; absent is fine."""
    for parent in parents:
        _, listing = run(tool, "-t", table, "-S", parent, check=False)
        for line in listing.splitlines():
            words = _split_rule(line)
            if words[:2] == ["-A", parent] and "-j" in words and words[words.index("-j") + 1] == chain:
                run(tool, "-t", table, "-D", *words[1:], check=False)
    run(tool, "-t", table, "-F", chain, check=False)
    run(tool, "-t", table, "-X", chain, check=False)


def _split_rule(line: str) -> list[str]:
    """Split an `iptables -S` line, honouring the double quotes around comments."""
    words, current, quoted, escaped, any_char = [], [], False, False, False
    for ch in line:
        if escaped:
            current.append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == '"':
            quoted, any_char = not quoted, True
        elif ch == " " and not quoted:
            if current or any_char:
                words.append("".join(current))
            current, any_char = [], False
        else:
            current.append(ch)
    if current or any_char:
        words.append("".join(current))
    return words
