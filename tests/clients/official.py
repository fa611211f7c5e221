"""The official Python client (kubernetes on PyPI) against kinns: list, create, patch, watch=True, an
informer's list-then-watch, exec with stdin, port-forward, delete. Prints what it saw as JSON."""

import json
import socket
import sys
import threading
import time

from kubernetes import client, config, watch
from kubernetes.stream import portforward, stream

config.load_kube_config()
v1 = client.CoreV1Api()
ns, shell, web = sys.argv[1:4]
out: dict = {"pods": sorted(p.metadata.name for p in v1.list_namespaced_pod(ns).items)}
v1.create_namespaced_config_map(ns, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="py"), data={"a": "1"}))
v1.patch_namespaced_config_map("py", ns, {"data": {"a": "2"}})
out["patched"] = v1.read_namespaced_config_map("py", ns).data["a"]


def later(name: str) -> None:
    time.sleep(0.5)
    v1.create_namespaced_config_map(ns, {"metadata": {"name": name}})


threading.Thread(target=later, args=("py2",)).start()
seen = []
w = watch.Watch()
for event in w.stream(v1.list_namespaced_config_map, ns, timeout_seconds=20):
    seen.append([event["type"], event["object"].metadata.name])
    if event["object"].metadata.name == "py2":
        w.stop()
out["watched"] = seen
listed = v1.list_namespaced_config_map(ns)
threading.Thread(target=later, args=("py3",)).start()
w = watch.Watch()
for event in w.stream(v1.list_namespaced_config_map, ns, resource_version=listed.metadata.resource_version,
                      timeout_seconds=20):
    out["after_list"] = [event["type"], event["object"].metadata.name]
    w.stop()
v1.delete_namespaced_config_map("py", ns)
out["deleted"] = "py" not in [c.metadata.name for c in v1.list_namespaced_config_map(ns).items]
resp = stream(v1.connect_get_namespaced_pod_exec, shell, ns, command=["sh", "-c", "read x; echo got $x"],
              stdin=True, stdout=True, stderr=True, tty=False, _preload_content=False)
resp.write_stdin("hello\n")
resp.run_forever(timeout=15)
out["exec"] = resp.read_stdout().strip()
forward = portforward(v1.connect_get_namespaced_pod_portforward, web, ns, ports="8080")
sock = forward.socket(8080)
sock.setblocking(True)
sock.sendall(b"GET /pf HTTP/1.1\r\nHost: pf\r\nConnection: close\r\n\r\n")
data = b""
sock.settimeout(10)
try:
    while chunk := sock.recv(65536):
        data += chunk
        if b"\r\n\r\n" in data and b"}" in data:
            break
except socket.timeout:
    pass
out["portforward"] = data.split(b"\r\n", 1)[0].decode()
sock.close()
print(json.dumps(out))
