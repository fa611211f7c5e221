"""The picture's data (kinns.ui.snapshot) from canned API objects and kernel views: nodes with their eth0, bridge
and tunnel, pods on their node with their veth, Services with ready endpoints only, Ingress rules, DNS."""

from kinns.kernel.node import Node
from kinns.kernel.record import ClusterRecord
from kinns.ui import snapshot


def node(name: str, index: int) -> Node:
    return Node("c", name, index, f"172.30.9.{index + 2}", f"10.244.{index}.0/24", "0e:00:00:00:00:0" + str(index),
                f"c-{index}", "/run/kinns/c")


RECORD = ClusterRecord("c", "vxlan", "172.30.9.0/24", [node("controlplane", 0), node("node01", 1)])
VIEW = {"links": [
    {"index": 2, "name": "eth0", "kind": "veth", "state": "up", "mac": "", "addresses": ["172.30.9.3/24"],
     "master": ""},
    {"index": 3, "name": "flannel.1", "kind": "vxlan", "state": "up", "mac": "", "addresses": ["10.244.1.0/32"],
     "master": "", "id": 1, "port": 8472},
    {"index": 4, "name": "cni0", "kind": "bridge", "state": "up", "mac": "", "addresses": ["10.244.1.1/24"],
     "master": ""}],
    "routes": [{"dst": "10.244.0.0/24", "via": "10.244.0.0", "dev": "flannel.1"}, {"dst": "default", "via": "",
                                                                                   "dev": "eth0"}]}
OBJECTS = {
    "nodes": [{"metadata": {"name": "node01"}, "spec": {"podCIDR": "10.244.1.0/24"},
               "status": {"conditions": [{"type": "Ready", "status": "True"}]}}],
    "pods": [{"metadata": {"namespace": "default", "name": "web"},
              "spec": {"nodeName": "node01", "containers": [{"ports": [{"containerPort": 8080}]}]},
              "status": {"podIP": "10.244.1.5", "phase": "Running",
                         "conditions": [{"type": "Ready", "status": "True"}]}}],
    "sandboxes": [{"namespace": "default", "name": "web", "netns": "c-pod-1"}],
    "services": [{"metadata": {"namespace": "default", "name": "web"},
                  "spec": {"type": "ClusterIP", "clusterIP": "10.96.5.5", "ports": [{"port": 80}]}}],
    "endpointslices": [{"metadata": {"namespace": "default", "labels": {"kubernetes.io/service-name": "web"}},
                        "ports": [{"port": 8080}],
                        "endpoints": [{"addresses": ["10.244.1.5"], "conditions": {"ready": True}},
                                      {"addresses": ["10.244.1.6"], "conditions": {"ready": False}}]}],
    "ingresses": [{"metadata": {"namespace": "default", "name": "web"}, "spec": {"ingressClassName": "nginx",
                   "rules": [{"host": "web.example", "http": {"paths": [
                       {"path": "/", "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}]}}],
}


def test_build():
    state = snapshot.build(RECORD, OBJECTS, {"c-node01": VIEW}, {"c-pod-1": "veth1234"})
    assert state["cluster"] == {"name": "c", "backend": "vxlan", "subnet": "172.30.9.0/24", "bridge": "c-br",
                                "gateway": "172.30.9.1"}
    one = state["nodes"][1]
    assert one["eth0"] == ["172.30.9.3/24"] and one["bridge"] == {"name": "cni0", "addresses": ["10.244.1.1/24"]}
    assert one["tunnels"] == [{"name": "flannel.1", "kind": "vxlan", "id": 1, "port": 8472,
                               "addresses": ["10.244.1.0/32"], "master": ""}]
    assert one["ready"] and one["routes"] == [{"dst": "10.244.0.0/24", "via": "10.244.0.0", "dev": "flannel.1"}]
    assert state["nodes"][0]["bridge"] is None and not state["nodes"][0]["ready"]  # no view, no Node object yet
    assert state["pods"] == [{"namespace": "default", "name": "web", "node": "node01", "ip": "10.244.1.5",
                              "phase": "Running", "ready": True, "hostNetwork": False, "netns": "c-pod-1",
                              "veth": "veth1234", "ports": [8080]}]
    assert state["services"][0]["endpoints"] == ["10.244.1.5:8080"]  # the unready one is not listed
    assert state["ingresses"] == [{"namespace": "default", "name": "web", "class": "nginx",
                                   "rules": ["web.example/ -> web:80"]}]
    assert state["dns"] == {"service": "", "endpoints": []}
