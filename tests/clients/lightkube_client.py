"""lightkube against kinns: create, patch, list, watch, delete. Prints what it saw as JSON."""

import json
import sys

from lightkube import Client
from lightkube.models.meta_v1 import ObjectMeta
from lightkube.resources.core_v1 import ConfigMap, Pod

ns = sys.argv[1]
c = Client()
c.create(ConfigMap(metadata=ObjectMeta(name="lk", namespace=ns), data={"a": "1"}))
c.patch(ConfigMap, "lk", {"data": {"a": "2"}}, namespace=ns)
out = {"patched": c.get(ConfigMap, "lk", namespace=ns).data["a"],
       "pods": sorted(p.metadata.name for p in c.list(Pod, namespace=ns))}
for op, obj in c.watch(ConfigMap, namespace=ns, fields={"metadata.name": "lk"}):
    out["watched"] = [op, obj.metadata.name]
    break
c.delete(ConfigMap, "lk", namespace=ns)
out["deleted"] = "lk" not in [m.metadata.name for m in c.list(ConfigMap, namespace=ns)]
print(json.dumps(out))
