"""kr8s against kinns: the server's version, list, create, patch, delete. Prints what it saw as JSON."""

import json
import sys

import kr8s
from kr8s.objects import ConfigMap

ns = sys.argv[1]
api = kr8s.api()
out = {"version": api.version()["gitVersion"], "pods": sorted(p.name for p in kr8s.get("pods", namespace=ns))}
cm = ConfigMap({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "k8", "namespace": ns},
                "data": {"a": "1"}})
cm.create()
cm.patch({"data": {"a": "2"}})
cm.refresh()
out["patched"] = cm.raw["data"]["a"]
cm.delete()
out["deleted"] = "k8" not in [c.name for c in kr8s.get("configmaps", namespace=ns)]
print(json.dumps(out))
