"""Pure logic: no root, no kernel."""

import os
import time

import pytest

from kinns.cni.pkg import codec, skel
from kinns.cni.pkg.ip import parse_ip, parse_prefix, to_str
from kinns.cni.pkg.iptables import _split_rule, chain_name
from kinns.cni.plugins.host_local import _candidates
from kinns.cni.plugins.host_local.config import Config
from kinns.node.workloads import images


def test_codec_round_trip_and_errors():
    value = {"a": [1, 2.5, "é", None, True], "b": {}}
    assert codec.loads(codec.dumps(value)) == value
    for bad in ["", "{", "[1,]", '{"a":1} x', "NaN"]:
        with pytest.raises(ValueError):
            codec.loads(bad)


def test_prefix_arithmetic():
    p = parse_prefix("10.244.1.7/24")
    assert to_str(p.family, p.network) == "10.244.1.0" and to_str(p.family, p.last) == "10.244.1.255"
    assert p.contains(*parse_ip("10.244.1.200")) and not p.contains(*parse_ip("10.244.2.1"))
    v6 = parse_prefix("fd00::5/64")
    assert str(v6.masked()) == "fd00::/64"
    for bad in ["10.0.0.0", "10.0.0.0/33", "x/8", "10.0.0.0/a"]:
        with pytest.raises(ValueError):
            parse_prefix(bad)


def test_host_local_defaults_and_validation():
    cfg = Config({"name": "n", "ipam": {"ranges": [[{"subnet": "10.1.0.0/29"}]]}})
    (r,), = cfg.range_sets
    assert (to_str(2, r.start), to_str(2, r.end), to_str(2, r.gateway)) == ("10.1.0.1", "10.1.0.6", "10.1.0.1")
    for ipam, msg in [({"ranges": [[{"subnet": "10.1.0.1/24"}]]}, "host bits"),
                      ({"ranges": [[{"subnet": "10.1.0.0/31"}]]}, "too small"),
                      ({"ranges": [[{"subnet": "10.1.0.0/24"}], [{"subnet": "10.1.0.0/25"}]]}, "overlaps"),
                      ({"ranges": [[{"subnet": "10.1.0.0/24", "rangeStart": "10.2.0.1"}]]}, "not in network"),
                      ({}, "no IP ranges")]:
        with pytest.raises(skel.CNIError, match=msg):
            Config({"name": "n", "ipam": ipam})


def test_round_robin_starts_after_the_last_reserved_address_and_wraps():
    cfg = Config({"name": "n", "ipam": {"ranges": [[{"subnet": "10.1.0.0/29"}]]}})
    order = [to_str(2, v) for _, v in _candidates(cfg.range_sets[0], parse_ip("10.1.0.4"))]
    assert order == ["10.1.0.5", "10.1.0.6", "10.1.0.1", "10.1.0.2", "10.1.0.3", "10.1.0.4"]


def test_results_convert_to_the_configured_version():
    result = {"interfaces": [{"name": "eth0", "mac": "m", "mtu": 1450, "sandbox": "/n"}],
              "ips": [{"address": "10.0.0.2/24", "gateway": "10.0.0.1", "interface": 0}],
              "routes": [{"dst": "0.0.0.0/0", "priority": 5}]}
    old = skel.convert_result(result, "0.4.0")
    assert old["ips"][0]["version"] == "4" and "mtu" not in old["interfaces"][0]
    assert old["routes"] == [{"dst": "0.0.0.0/0"}]
    new = skel.convert_result(result, "1.1.0")
    assert new["interfaces"][0]["mtu"] == 1450 and new["routes"][0]["priority"] == 5
    assert skel.normalize_result(old)["ips"][0] == result["ips"][0]


def test_parse_refuses_bad_invocations():
    env = {"CNI_CONTAINERID": "c", "CNI_NETNS": "/n", "CNI_IFNAME": "eth0", "CNI_PATH": "/p"}
    ok = b'{"cniVersion": "1.1.0", "name": "net", "type": "x"}'
    assert skel.parse("ADD", env, ok).name == "net"
    cases = [("ADD", {**env, "CNI_IFNAME": "a/b"}, ok, 4), ("ADD", {**env, "CNI_IFNAME": "x" * 16}, ok, 4),
             ("FOO", env, ok, 4), ("ADD", env, b"[]", 6), ("STATUS", env, ok.replace(b"1.1.0", b"1.0.0"), 1)]
    for command, e, raw, code in cases:
        with pytest.raises(skel.CNIError) as err:
            skel.parse(command, e, raw)
        assert err.value.code == code


def test_chain_names_and_rule_splitting_match_iptables():
    assert chain_name("zz", "c1") == "CNI-803b34b65e60e47c631664dd"
    assert len(chain_name("net", "id", "DN-")) == 28
    assert _split_rule('-A POSTROUTING -s 10.0.0.2/32 -m comment --comment "name: \\"zz\\" id: \\"c1\\"" -j X') == [
        "-A", "POSTROUTING", "-s", "10.0.0.2/32", "-m", "comment", "--comment", 'name: "zz" id: "c1"', "-j", "X"]


def test_images_follow_kubernetes_command_rules():
    agnhost = "registry.k8s.io/e2e-test-images/agnhost:2.53"
    assert images.repository(agnhost) == "registry.k8s.io/e2e-test-images/agnhost"
    assert images.repository("busybox:1.36") == images.repository("docker.io/library/busybox@sha256:ab") \
        == "docker.io/library/busybox"
    assert images.repository("weaveworks/weave-kube:latest") == "docker.io/weaveworks/weave-kube"
    assert images.repository("localhost:5000/x:1") == "localhost:5000/x"
    assert images.repository("k8s.gcr.io/pause:3.2") == "registry.k8s.io/pause"
    assert images.argv("busybox") == ["sh"]
    assert images.argv("busybox:1.36", ["sleep"], ["10"]) == ["sleep", "10"]
    assert images.argv(agnhost, None, ["netexec"])[-1] == "netexec"
    assert images.argv(agnhost, ["/agnhost", "pause"])[-1] == "pause"
    assert images.argv("busybox", ["/agnhost"]) == ["/agnhost"]  # another image's program is not this one's
    for unknown in ("mysql:8", "agnhost", "example.com/team/controller:v1", "docker.io/someone/kube-proxy"):
        with pytest.raises(images.UnsupportedImage, match="supported images"):
            images.argv(unknown)


def test_store_revisions_conflicts_and_history(tmp_path):
    from kinns.store import Conflict, Exists, Gone, SQLiteStore

    store = SQLiteStore(tmp_path / "db")
    a = store.create("/registry/core/configmaps/ns/a", {"metadata": {"name": "a"}})
    assert a["metadata"]["resourceVersion"] == "2"
    with pytest.raises(Exists):
        store.create("/registry/core/configmaps/ns/a", {"metadata": {"name": "a"}})
    with pytest.raises(Conflict):
        store.update("/registry/core/configmaps/ns/a", a, expect_rv=1)
    store.update("/registry/core/configmaps/ns/a", {**a, "data": {"x": "1"}}, expect_rv=2)
    store.delete("/registry/core/configmaps/ns/a")
    assert [(e.type, e.rv) for e in store.history("/registry/core/configmaps/", 1)] == [
        ("ADDED", 2), ("MODIFIED", 3), ("DELETED", 4)]
    store.close()
    reopened = SQLiteStore(tmp_path / "db")
    assert reopened.revision == 4 and reopened.get("/registry/core/configmaps/ns/a") is None
    reopened.db.execute("UPDATE meta SET value = 3 WHERE name = 'compacted'")
    with pytest.raises(Gone):
        reopened.history("/registry/", 2)


def test_a_watch_takes_what_waits_at_once_and_a_watcher_that_falls_too_far_behind_is_dropped(tmp_path):
    import asyncio

    from kinns.store import SQLiteStore, Watch

    async def scenario() -> None:
        store = SQLiteStore(tmp_path / "db")
        watch = store.watch("/registry/core/configmaps/", None)
        assert await watch.batch(0.01) == []  # the timeout passes: a bookmark's moment
        for i in range(3):
            store.create(f"/registry/core/configmaps/ns/c{i}", {"metadata": {"name": f"c{i}"}})
        store.create("/registry/core/secrets/ns/s", {"metadata": {"name": "s"}})  # another prefix
        assert [e.rv for e in await watch.batch(1)] == [2, 3, 4]
        for i in range(Watch.MAX_PENDING + 1):
            store.create(f"/registry/core/configmaps/ns/d{i}", {"metadata": {"name": f"d{i}"}})
        behind = await watch.batch(1)
        assert len(behind) == Watch.MAX_PENDING and behind[-1].rv == 5 + Watch.MAX_PENDING  # up to the gap
        store.create("/registry/core/configmaps/ns/late", {"metadata": {"name": "late"}})
        assert await watch.batch(1) is None  # nothing after the gap: the stream ends, the client resumes
        resumed = store.watch("/registry/core/configmaps/", behind[-1].rv)
        assert [e.object["metadata"]["name"] for e in await resumed.batch(1)] == [
            f"d{Watch.MAX_PENDING}", "late"]
        store.close()

    asyncio.run(scenario())


def test_selectors_and_patches():
    from kinns.apimachinery.labels import label_selector
    from kinns.apiserver import patch

    match = label_selector("app=web,tier in (a, b),!canary,env")
    assert match({"app": "web", "tier": "b", "env": "x"}) and not match({"app": "web", "tier": "c", "env": "x"})
    assert not match({"app": "web", "tier": "a", "env": "x", "canary": "1"})
    pod = {"spec": {"containers": [{"name": "a", "image": "x", "env": [{"name": "K", "value": "1"}]},
                                   {"name": "b", "image": "y"}]}}
    merged = patch.strategic_merge(pod, {"spec": {"containers": [{"name": "a", "image": "z",
                                                                  "env": [{"name": "L", "value": "2"}]},
                                                                 {"name": "b", "$patch": "delete"}]}})
    assert merged["spec"]["containers"] == [{"name": "a", "image": "z", "env": [{"name": "K", "value": "1"},
                                                                               {"name": "L", "value": "2"}]}]
    assert patch.merge_patch({"a": 1, "b": {"c": 2}}, {"b": {"c": None, "d": 3}}) == {"a": 1, "b": {"d": 3}}
    assert patch.json_patch({"a": [1]}, [{"op": "add", "path": "/a/-", "value": 2}]) == {"a": [1, 2]}


def test_protobuf_configmap_round_trip():
    from kinns.apiserver.schema import protobuf

    def field(number: int, payload: bytes) -> bytes:
        return bytes([number << 3 | 2, len(payload)]) + payload

    meta = field(1, b"cfg") + field(3, b"demo")
    entry = field(1, b"k") + field(2, b"v")
    raw = field(1, meta) + field(2, entry)
    body = protobuf.MAGIC + field(1, field(1, b"v1") + field(2, b"ConfigMap")) + field(2, raw)
    assert protobuf.decode(body) == {"apiVersion": "v1", "kind": "ConfigMap",
                                     "metadata": {"name": "cfg", "namespace": "demo"}, "data": {"k": "v"}}
    with pytest.raises(protobuf.ProtobufError):
        protobuf.decode(protobuf.MAGIC + field(1, field(1, b"v1") + field(2, b"ConfigMap")) + field(2, field(9, b"x")))


def test_pod_qos_and_defaults():
    from kinns.apiserver import defaults

    pod = {"spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}}
    defaults.apply("Pod", pod)
    assert pod["status"] == {"phase": "Pending", "qosClass": "BestEffort"}
    assert pod["spec"]["containers"][0]["imagePullPolicy"] == "IfNotPresent"
    assert pod["spec"]["dnsPolicy"] == "ClusterFirst" and pod["spec"]["restartPolicy"] == "Always"
    full = {"limits": {"cpu": "1", "memory": "1Gi"}}
    assert defaults.qos_class({"containers": [{"resources": full}]}) == "Guaranteed"
    assert defaults.qos_class({"containers": [{"resources": {"requests": {"cpu": "1"}}}]}) == "Burstable"


def test_the_kubelet_renews_projected_tokens_at_80_percent_of_their_life(tmp_path):
    import asyncio

    from kinns.node.kubelet import volumes

    class TokenAPI:  # answers TokenRequests; only the token's renewal timing is under test here
        def __init__(self) -> None:
            self.issued = 0

        async def request(self, method: str, path: str, body: dict) -> dict:
            self.issued += 1
            return {"status": {"token": f"token-{self.issued}"}}

    pod = {"metadata": {"name": "p", "namespace": "default", "uid": "u"}, "spec": {"volumes": [
        {"name": "api", "projected": {"sources": [{"serviceAccountToken": {"expirationSeconds": 1000,
                                                                           "path": "token"}}]}}]}}
    token = tmp_path / "volumes" / "api" / "token"
    token.parent.mkdir(parents=True)
    token.write_text("token-0")
    api = TokenAPI()
    os.utime(token, (time.time() - 700, time.time() - 700))  # 70% of its life: kept
    assert not asyncio.run(volumes.refresh(api, pod, tmp_path)) and token.read_text() == "token-0"
    os.utime(token, (time.time() - 850, time.time() - 850))  # 85%: renewed
    assert asyncio.run(volumes.refresh(api, pod, tmp_path)) and token.read_text() == "token-1"


def test_every_field_of_the_type_table_is_described_for_kubectl_explain():
    from kinns.apiserver.schema import TABLE, _owned_fields
    from kinns.apiserver.schema.descriptions import DESCRIPTIONS, describe

    fields = {(owner, name) for t in TABLE.fields for name, (owner, _) in _owned_fields(t).items()}
    assert [f"{o}.{n}" for o, n in sorted(fields) if not describe(o, n)] == []
    stale = [k for k in DESCRIPTIONS if "." in k and not k.startswith("*") and tuple(k.split(".", 1)) not in fields]
    assert stale == []



def test_a_new_ingress_without_a_class_gets_the_newest_default_class(tmp_path):
    import asyncio

    from kinns.apiserver.admission.plugins import default_ingress_class
    from kinns.apiserver.resources import Registry
    from kinns.apiserver.storage import Objects
    from kinns.store import SQLiteStore

    objects = Objects(SQLiteStore(tmp_path / "state.db"), Registry())
    objects.mutating.append(default_ingress_class(objects))
    classes = objects.registry.get("networking.k8s.io", "v1", "ingressclasses")
    ingresses = objects.registry.get("networking.k8s.io", "v1", "ingresses")
    objects.store.create("/registry/core/namespaces/web", {"metadata": {"name": "web"}})
    for name, stamp in (("old", "2026-01-01T00:00:00Z"), ("new", "2026-02-01T00:00:00Z"), ("plain", "")):
        marked = {"ingressclass.kubernetes.io/is-default-class": "true"} if name != "plain" else {}
        objects.store.create(classes.key(None, name), {"metadata": {"name": name, "annotations": marked,
                                                                    "creationTimestamp": stamp},
                                                       "spec": {"controller": "k8s.io/ingress-nginx"}})
    backend = {"defaultBackend": {"service": {"name": "web", "port": {"number": 80}}}}
    made = asyncio.run(objects.create(ingresses, "web", {"metadata": {"name": "a"}, "spec": dict(backend)}))
    assert made["spec"]["ingressClassName"] == "new"
    named = asyncio.run(objects.create(ingresses, "web", {"metadata": {"name": "b"},
                                                          "spec": {**backend, "ingressClassName": "plain"}}))
    assert named["spec"]["ingressClassName"] == "plain"


def test_a_read_only_claim_makes_every_mount_of_it_read_only():
    from kinns.node.kubelet import volumes

    pod = {"spec": {"volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "c", "readOnly": True}},
                                {"name": "scratch", "emptyDir": {}}]}}
    container = {"volumeMounts": [{"name": "data", "mountPath": "/data"}, {"name": "scratch", "mountPath": "/tmp"}]}
    made = volumes.mounts(container, {"data": "/v/data", "scratch": "/v/scratch"}, volumes.read_only(pod))
    assert [(m["target"], m["readOnly"]) for m in made] == [("/data", True), ("/tmp", False)]


def test_the_cel_authorizer_asks_the_api_servers_authorizer():
    from celpy.celtypes import BoolType

    from kinns.apiserver import cel, cel_authorizer
    from kinns.apiserver.auth import User

    asked = []

    def decide(attrs):
        asked.append(attrs)
        return attrs.verb == "get" and attrs.resource in ("secrets", "pods"), "RBAC: because"

    user = User("alice", ("devs",))
    activation = {"authorizer": cel_authorizer.root(decide, user, "pods", "exec", "", "web", "p1")}
    assert cel.evaluate("authorizer.group('').resource('secrets').namespace('web').name('s').check('get')"
                        ".allowed()", activation) == BoolType(True)
    last = asked[-1]
    assert (last.user, last.api_group, last.resource, last.namespace, last.name) == (user, "", "secrets", "web", "s")
    assert cel.evaluate("authorizer.group('apps').resource('deployments').check('delete').allowed()",
                        activation) == BoolType(False)
    assert cel.evaluate("authorizer.requestResource.check('get').reason()", activation) == "RBAC: because"
    assert (asked[-1].resource, asked[-1].subresource, asked[-1].name) == ("pods", "exec", "p1")
    assert cel.evaluate("authorizer.serviceAccount('web', 'bot').path('/healthz').check('GET').errored()",
                        activation) == BoolType(False)
    assert asked[-1].user.name == "system:serviceaccount:web:bot" and asked[-1].path == "/healthz"
    assert asked[-1].verb == "get" and not asked[-1].resource_request
    with pytest.raises(cel.EvalError):
        cel.evaluate("authorizer.group('').allowed()", activation)  # not a decision


def test_a_quota_holds_against_creates_a_slow_webhook_keeps_waiting(tmp_path):
    import asyncio

    from kinns.apimachinery.errors import APIError
    from kinns.apiserver.admission import quota
    from kinns.apiserver.admission.request import Hooks, WriteOptions
    from kinns.apiserver.resources import Registry
    from kinns.apiserver.storage import Objects
    from kinns.store import SQLiteStore

    class SlowWebhook(Hooks):  # every create waits here, as behind a webhook that takes its time
        async def validate(self, request, new, old) -> None:
            await asyncio.sleep(0.2)

    objects = Objects(SQLiteStore(tmp_path / "state.db"), Registry())
    objects.last.append(quota.resource_quota(objects))
    objects.hooks = SlowWebhook()
    objects.store.create("/registry/core/namespaces/q", {"metadata": {"name": "q"}})
    objects.store.create("/registry/core/resourcequotas/q/two", {
        "metadata": {"name": "two", "namespace": "q"}, "spec": {"hard": {"count/configmaps": "2"}}})
    configmaps = objects.registry.get("", "v1", "configmaps")

    async def creates() -> list:
        return await asyncio.gather(*(objects.create(configmaps, "q", {"metadata": {"name": f"c{i}"}},
                                                     WriteOptions()) for i in range(4)), return_exceptions=True)
    results = asyncio.run(creates())
    assert sum(isinstance(r, dict) for r in results) == 2
    refused = [r for r in results if isinstance(r, APIError)]
    assert len(refused) == 2 and all("exceeded quota: two" in r.message for r in refused)
    assert len(objects.store.list("/registry/core/configmaps/q/")[0]) == 2


def test_every_pod_tolerates_a_brief_node_outage_unless_it_says_otherwise():
    """DefaultTolerationSeconds: added beside other tolerations (CoreDNS's), not over one the pod has."""
    from kinns.apiserver import defaults

    pod = {"spec": {"containers": [{"name": "c", "image": "x"}],
                    "tolerations": [{"key": "CriticalAddonsOnly", "operator": "Exists"}]}}
    defaults.apply("Pod", pod)
    assert [(t["key"], t.get("tolerationSeconds")) for t in pod["spec"]["tolerations"]] == [
        ("CriticalAddonsOnly", None), ("node.kubernetes.io/not-ready", 300), ("node.kubernetes.io/unreachable", 300)]
    everything = {"spec": {"containers": [{"name": "c", "image": "x"}], "tolerations": [{"operator": "Exists"}]}}
    defaults.apply("Pod", everything)
    assert everything["spec"]["tolerations"] == [{"operator": "Exists"}]
