"""The pure parts of `kinns trace`: reading `nft monitor trace` lines, splitting them per packet, the mark rules,
and turning events into hops with canned kernel lookups."""

from kinns.trace import hops, marks, monitor

KEY = 24414
SOURCE = [  # the client pod's netns: its SYN out, the SYN-ACK back
    'trace id c4afb1d6 inet kinns-trace-1-a output packet: oif "eth0" ip saddr 10.244.1.7 ip daddr 10.99.0.5 ip dscp '
    f'0x2f ip protocol tcp ip length 60 tcp sport {KEY} tcp dport 80 tcp flags == syn tcp window 64860 ',
    'trace id c4afb1d6 inet kinns-trace-1-a output rule ip dscp 0x2f tcp flags & (syn | rst) == syn meta nftrace '
    'set 1 comment "forward" # handle 7 (verdict continue)',
    'trace id c4afb1d6 inet kinns-trace-1-a output policy accept ',
    'trace id c2ec0080 inet kinns-trace-1-a prerouting packet: iif "eth0" ether saddr 06:7e:cc:1c:a3:1e ip saddr '
    f'10.99.0.5 ip daddr 10.244.1.7 ip protocol tcp tcp sport 80 tcp dport {KEY} tcp flags == 0x12 ',
    f'trace id c2ec0080 inet kinns-trace-1-a prerouting rule tcp dport {KEY} tcp flags & (syn | rst) != 0 meta '
    'nftrace set 1 comment "reply" # handle 4 (verdict continue)',
]
NODE = [  # its node: bridged in, DNAT, policy drop
    'trace id 8a2f7884 bridge kinns-trace-1-a prerouting packet: iif "veth1" ip saddr 10.244.1.7 ip daddr '
    f'10.99.0.5 ip dscp 0x2f ip protocol tcp tcp sport {KEY} tcp dport 80 tcp flags == syn ',
    'trace id 8a2f7884 bridge kinns-trace-1-a prerouting rule ip dscp 0x2f tcp flags & (syn | rst) == syn meta '
    'nftrace set 1 comment "forward" # handle 2 (verdict continue)',
    'trace id 8a2f7884 inet kinns-trace-1-a prerouting packet: iif "cni0" ip saddr 10.244.1.7 ip daddr 10.99.0.5 '
    f'ip dscp 0x2f ip protocol tcp tcp sport {KEY} tcp dport 80 tcp flags == syn ',
    'trace id 8a2f7884 ip nat KUBE-SEP-X rule meta l4proto tcp   counter packets 3 bytes 180 dnat to 10.244.2.5:8080 '
    '# handle 46 (verdict accept)',
    'trace id 7dc38afa inet kinns-netpol forward-ingress packet: iif "cni0" oif "flannel.1" ip saddr 10.244.1.7 '
    f'ip daddr 10.244.2.5 ip protocol tcp tcp sport {KEY} tcp dport 8080 tcp flags == syn ',
    'trace id 7dc38afa inet kinns-netpol network-ingress-ab rule log prefix "kinns-netpol drop default/deny: " '
    'group 100 drop comment "ingress not allowed by NetworkPolicy default/deny" # handle 27 (verdict drop)',
]


class Canned(hops.Lookups):
    def route(self, netns, dst, src=None, iif=None):
        return f"{dst} via 10.244.2.0 dev flannel.1" if iif else f"{dst} via 10.244.1.1 dev eth0"

    def link(self, netns, dev):
        return {"kind": "vxlan", "id": 1, "port": 8472} if dev == "flannel.1" else {}

    def neighbour(self, netns, ip, dev):
        return "0e:00:00:00:00:02"

    def fdb(self, netns, dev, mac):
        return "172.30.1.4"

    def conntrack(self, netns, proto, keys):
        return []


def test_parse_reads_packets_rules_and_policies():
    events = monitor.parse(SOURCE + ["some other line"])
    assert [e.kind for e in events] == ["packet", "rule", "policy", "packet", "rule"]
    first = events[0]
    assert (first.family, first.table, first.chain) == ("inet", "kinns-trace-1-a", "output")
    assert first.fields == {"oif": "eth0", "saddr": "10.244.1.7", "daddr": "10.99.0.5", "protocol": "tcp",
                            "sport": str(KEY), "dport": "80", "l4": "tcp", "flags": "syn"}
    assert events[1].handle == 7 and events[1].verdict == "continue" and events[1].text.endswith('"forward"')
    assert events[2].verdict == "accept"


def test_passes_keep_a_bridged_frame_one_packet_and_tell_the_way():
    events = monitor.parse(NODE)
    one = hops.passes(events)
    assert len(one) == 1 and hops.way(one[0]) == "forward"
    source = hops.passes(monitor.parse(SOURCE))
    assert [hops.way(p) for p in source] == ["forward", "reply"]


def test_build_names_the_dnat_route_and_the_policy_that_dropped():
    flow = marks.Flow("tcp", KEY)
    src = hops.Place("node01", "c-pod-1", "pod default/client", monitor.parse(SOURCE), is_pod=True)
    node = hops.Place("node01", "c-node01", "node", monitor.parse(NODE))
    report = hops.build([src, node], flow, Canned(), "silent", "no answer", [], "10.244.1.7")
    got = [(h.event, h.interface) for h in report.hops]
    assert got == [("send", "eth0"), ("bridge", "veth1"), ("dnat", "cni0"), ("route", "flannel.1"),
                   ("drop", "cni0")]
    dnat = report.hops[2].detail
    assert dnat.startswith("to 10.244.2.5:8080 by ip nat KUBE-SEP-X handle 46: meta l4proto tcp counter dnat")
    assert "VXLAN id 1 port 8472" in report.hops[3].detail and "dst 172.30.1.4" in report.hops[3].detail
    assert report.verdict == "dropped at node01 (node) by NetworkPolicy default/deny" and not report.delivered


def test_marks_match_the_probe_by_dscp_and_the_answer_by_port_also_inside_vxlan():
    lines = marks.lines("7-abc", marks.Flow("tcp", KEY), bridge=True)
    assert lines[0].startswith("add table inet kinns-trace-7-abc")
    rules = [line for line in lines if line.startswith("add rule inet")]
    assert f"ip dscp {marks.DSCP:#x} tcp flags & (syn | rst) == syn" in rules[0] and 'comment "forward"' in rules[0]
    assert f"tcp dport {KEY}" in rules[1] and 'comment "reply"' in rules[1]
    assert "udp dport { 4789, 8472, 6784 } @th,312,8 6 @th,248,8 & 0xfc == 0xbc" in rules[2]
    assert f"@th,416,16 {KEY}" in rules[3]  # the inner destination port of an answer
    bridge = [line for line in lines if line.startswith("add rule bridge")]
    assert bridge and not any("@th" in line for line in bridge)
    assert any("bridge kinns-trace-7-abc postrouting" in line for line in lines)
    assert marks.direction('x comment "reply"') == "reply" and marks.direction("x") is None
