"""Whether the pod a node agent runs in is being deleted, asked when its TERM arrives.

A CNI daemon (Weave's router, flanneld) that is only restarted must leave the node's network up, so the pods
keep theirs; one whose pod is deleted (its DaemonSet removed, or the pod deleted to be made again) cleans up.
At TERM it reads its own pod: a deletionTimestamp, or no pod, is a deletion; so is a refusal (401, 403),
because `kubectl delete -f` of an add-on's manifest removes its ServiceAccount and RBAC with its DaemonSet, and
the kubelet would not be stopping a pod whose add-on is still installed and whose API access is gone. An API
server that cannot be reached says nothing: the network stays. A container given no POD_NAME (Weave's
manifest sets none) asks for its namespace's pods, so only that refusal tells it a deletion.
"""

import asyncio
import os

from ...apimachinery.errors import APIError
from ...client import Client
from ...client.client import path

ASK_TIMEOUT = 3.0


async def deleted(client: Client) -> bool:
    where = path("v1", "pods", os.environ.get("POD_NAMESPACE", "kube-system"), os.environ.get("POD_NAME", ""))
    try:
        pod = await asyncio.wait_for(client.get(where), ASK_TIMEOUT)
    except APIError as err:
        return err.code in (401, 403)
    except (OSError, asyncio.TimeoutError):
        return False
    return pod is None or bool(pod["metadata"].get("deletionTimestamp"))
