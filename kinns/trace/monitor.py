"""The kernel's own account of a packet: `nft monitor trace` in each namespace on the path, read as events.

netfilter reports a traced packet (one whose `nftrace` bit a rule set) on the NFNLGRP_NFTRACE netlink group of
the namespace it is in, once per base chain it enters and once per rule that gives a verdict. The bit is cleared
whenever the packet crosses into another namespace or is encapsulated (skb_scrub_packet), so a trace needs a
listener, and a rule that sets the bit again, in every namespace it follows the packet through (marks.py).
nft prints those events as text (its JSON output has no trace events in nftables 1.0); `parse` reads them.
"""

import os
import re
import subprocess
import time
from dataclasses import dataclass, field

NETLINK_NETFILTER, NFNLGRP_NFTRACE = 12, 9
_LINE = re.compile(r"trace id (?P<id>[0-9a-f]+) (?P<family>\w+) (?P<table>\S+) (?P<chain>\S+) "
                   r"(?P<kind>packet: |rule |policy |verdict )(?P<rest>.*)$")
_RULE = re.compile(r"(?P<text>.*?)\s*(?:# handle (?P<handle>\d+)\s*)?\(verdict (?P<verdict>[^)]*)\)\s*$")
_FIELDS = (
    ("iif", re.compile(r'\biif "([^"]+)"')),
    ("oif", re.compile(r'\boif "([^"]+)"')),
    ("saddr", re.compile(r"\bip saddr (\S+)")),
    ("daddr", re.compile(r"\bip daddr (\S+)")),
    ("protocol", re.compile(r"\bip protocol (\S+)")),
    ("sport", re.compile(r"\b(?:tcp|udp|sctp) sport (\d+)")),
    ("dport", re.compile(r"\b(?:tcp|udp|sctp) dport (\d+)")),
    ("l4", re.compile(r"\b(tcp|udp|sctp|icmp) (?:sport|dport|type)")),
    ("flags", re.compile(r"\btcp flags == (\S+)")),
    ("icmp", re.compile(r"\bicmp type (\S+)")),
    ("payload", re.compile(r"@th,64,96 (0x[0-9a-f]+)")),  # the first 12 bytes after a UDP header: VXLAN's
)


class MonitorError(Exception):
    """A listener that ended or never started listening: its namespace's complaint."""


@dataclass
class Event:
    """One line of `nft monitor trace`: a packet entering a base chain, a rule's verdict or a chain's policy."""

    id: str
    family: str
    table: str
    chain: str
    kind: str                    # packet, rule, policy, verdict
    text: str = ""               # the rule as nft prints it, or the packet's fields
    handle: int | None = None
    verdict: str = ""
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def where(self) -> str:
        return f"{self.family} {self.table} {self.chain}"


def parse(lines: list[str]) -> list[Event]:
    """The events of `nft -a monitor trace` output, in order; other lines are skipped."""
    out = []
    for line in lines:
        m = _LINE.match(line.strip())
        if not m:
            continue
        kind, rest = m["kind"].rstrip(": "), m["rest"].strip()
        event = Event(m["id"], m["family"], m["table"], m["chain"], kind)
        if kind == "packet":
            event.text = rest
            event.fields = {name: found[1] for name, regex in _FIELDS if (found := regex.search(rest))}
        elif kind == "rule":
            r = _RULE.match(rest)
            if r:
                event.text, event.verdict = r["text"], r["verdict"]
                event.handle = int(r["handle"]) if r["handle"] else None
            else:
                event.text = rest
        else:  # policy accept / verdict continue
            event.verdict = rest.split()[0] if rest else ""
        out.append(event)
    return out


def _subscribed(pid: int) -> bool:
    """Whether the process has a netfilter netlink socket in the trace group (its /proc/PID/net/netlink, which
    shows the namespace it is in, lists its sockets' first 32 groups as a bit mask)."""
    try:
        mine = {os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")}
        table = open(f"/proc/{pid}/net/netlink").read().splitlines()[1:]
    except OSError:
        return False
    for row in table:
        cols = row.split()
        if len(cols) >= 10 and int(cols[1]) == NETLINK_NETFILTER and f"socket:[{cols[9]}]" in mine \
                and int(cols[3], 16) & (1 << (NFNLGRP_NFTRACE - 1)):
            return True
    return False


class Monitor:
    """`nft -a monitor trace` in one namespace (None: this process's own) for the length of a trace."""

    def __init__(self, netns: str | None) -> None:
        self.netns = netns
        argv = ["nft", "-a", "monitor", "trace"]
        self.events: list[Event] | None = None
        self.proc = subprocess.Popen(["ip", "netns", "exec", netns, *argv] if netns else argv,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def wait_listening(self, timeout: float = 5.0) -> None:
        """Until the kernel would hand it a trace event: a packet sent before that would go unreported."""
        deadline = time.monotonic() + timeout
        while not _subscribed(self.proc.pid):
            if self.proc.poll() is not None:
                raise MonitorError(f"nft monitor trace in {self.netns or 'this namespace'} ended: "
                                   f"{self.proc.stderr.read().strip()}")
            if time.monotonic() > deadline:
                raise MonitorError(f"nft monitor trace in {self.netns or 'this namespace'} did not start listening")
            time.sleep(0.005)

    def stop(self) -> list[Event]:
        """End the listener (it holds nothing in the kernel) and return what it saw (again when asked again)."""
        if self.events is None:
            if self.proc.poll() is None:
                self.proc.terminate()
            out, _ = self.proc.communicate(timeout=5)
            self.events = parse(out.splitlines())
        return self.events
