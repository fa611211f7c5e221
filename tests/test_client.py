"""The API client, its mirrors and the Reconciler, over MockTransport (tests/fakes.FakeAPI)."""

import asyncio
import json

import pytest

from fakes import FakeAPI
from kinns.client import APIError, Client, Informers, Mirror, MockTransport, Reconciler, Response
from kinns.client.events import EventRecorder


def cm(name: str, rv: str, uid: str = "", data: dict | None = None) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": name, "namespace": "default", "uid": uid or name, "resourceVersion": rv},
            "data": data or {}}


def test_a_failed_request_raises_the_status_it_got_back():
    async def main():
        answers = iter([Response(422, json.dumps({"kind": "Status", "reason": "Invalid", "message": "bad port",
                                                  "details": {"causes": [{"field": "spec.ports[0].port"}]}}).encode()),
                        Response(404, b"{}"), Response(500, b"not json at all")])
        client = Client(MockTransport(lambda request: next(answers)))
        with pytest.raises(APIError) as err:
            await client.create("/api/v1/namespaces/default/services", {})
        assert (err.value.code, err.value.reason, err.value.message) == (422, "Invalid", "bad port")
        assert err.value.details["causes"][0]["field"] == "spec.ports[0].port"
        assert await client.delete("/api/v1/namespaces/default/pods/gone") is None  # already gone is fine
        with pytest.raises(APIError) as err:
            await client.get("/api/v1/nodes/x")
        assert err.value.code == 500 and err.value.message == "not json at all"
    asyncio.run(main())


def test_a_mirror_drops_events_older_than_what_it_holds_and_tells_listeners_old_and_new():
    mirror = Mirror(Client(MockTransport(lambda r: Response(500))), "/api/v1/configmaps")
    seen = []
    mirror.subscribe(lambda old, new: seen.append((old and old["data"], new and new["data"])))
    mirror.listed([cm("a", "5", data={"v": "1"})])
    mirror.event("MODIFIED", cm("a", "7", data={"v": "2"}))
    mirror.event("MODIFIED", cm("a", "6", data={"v": "old"}))  # arrived late: ignored
    assert mirror.get("default", "a")["data"] == {"v": "2"}
    mirror.event("DELETED", cm("a", "8"))
    mirror.event("MODIFIED", cm("a", "7", data={"v": "ghost"}))  # after its deletion: ignored
    assert mirror.get("default", "a") is None and mirror.values() == []
    assert seen == [(None, {"v": "1"}), ({"v": "1"}, {"v": "2"}), ({"v": "2"}, None)]


def test_a_relist_reports_only_what_changed_and_a_recreated_name_keeps_its_newest_object():
    mirror = Mirror(Client(MockTransport(lambda r: Response(500))), "/api/v1/configmaps")
    mirror.listed([cm("a", "1"), cm("b", "1")])
    seen = []
    mirror.subscribe(lambda old, new: seen.append(((old or {}).get("metadata", {}).get("name"),
                                                   (new or {}).get("metadata", {}).get("name"))))
    mirror.listed([cm("a", "1"), cm("c", "3")])
    assert seen == [("b", None), (None, "c")]
    mirror.event("ADDED", cm("a", "9", uid="a-2"))  # same name, new object, before the old one's DELETED
    mirror.event("DELETED", cm("a", "10", uid="a"))
    assert mirror.get("default", "a")["metadata"]["uid"] == "a-2"


def test_a_client_sees_its_own_writes_in_its_mirrors_at_once():
    async def main():
        api = FakeAPI()
        informers = Informers(api.client)
        mirror = informers.mirror("/api/v1/configmaps")
        informers.start()
        await mirror.wait_synced()
        created = await api.client.create("/api/v1/namespaces/default/configmaps", {"metadata": {"name": "x"}})
        assert mirror.get("default", "x") == created  # before its watch event could arrive
        await api.client.delete("/api/v1/namespaces/default/configmaps/x")
        assert mirror.get("default", "x") is None
        await informers.stop()
    asyncio.run(main())


class Recorder(Reconciler):
    name = "recorder"

    def __init__(self, client, fail_first: set | None = None) -> None:
        super().__init__(client)
        self.maps = self.watch("/api/v1/configmaps", lambda o: [o["metadata"]["name"]])
        self.calls: list = []
        self.active: set = set()
        self.overlap = False
        self.fail = set(fail_first or ())

    async def reconcile(self, key) -> None:
        self.overlap |= key in self.active
        self.active.add(key)
        self.calls.append(key)
        await asyncio.sleep(0.01)
        self.active.discard(key)
        if key in self.fail:
            self.fail.discard(key)
            raise RuntimeError("first try fails")


def test_the_reconciler_queues_each_key_once_never_runs_one_twice_at_a_time_and_retries_failures():
    async def main():
        api = FakeAPI()
        api.add("configmaps", {"metadata": {"name": "a", "namespace": "default"}})
        r = Recorder(api.client, fail_first={"b"})
        r.workers = 4
        task = asyncio.create_task(r.run())
        await asyncio.sleep(0.05)
        for i in range(5):  # a burst on one key while it is being reconciled
            api.add("configmaps", {"metadata": {"name": "b", "namespace": "default"}, "data": {"i": str(i)}})
            await asyncio.sleep(0.002)
        await asyncio.sleep(0.6)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await r.informers.stop()
        assert r.calls[0] == "a" and not r.overlap
        assert 2 <= r.calls.count("b") <= 5  # coalesced, and the failed pass retried after its back-off
        assert r.calls[-1] == "b"
    asyncio.run(main())


def test_events_repeat_as_a_count_on_one_event():
    async def main():
        api = FakeAPI()
        pod = api.add("pods", {"metadata": {"name": "p", "namespace": "default"}, "spec": {}})
        recorder = EventRecorder(api.client, "kubelet", "node01")
        for _ in range(3):
            recorder.record(pod, "Warning", "Unhealthy", "Readiness probe failed")
        recorder.record(pod, "Normal", "Pulled", "already present")
        await asyncio.sleep(0.05)
        events = api.all("events")
        assert sorted((e["reason"], e["count"]) for e in events) == [("Pulled", 1), ("Unhealthy", 3)]
        unhealthy = next(e for e in events if e["reason"] == "Unhealthy")
        assert unhealthy["involvedObject"] == {"kind": "Pod", "namespace": "default", "name": "p",
                                               "uid": pod["metadata"]["uid"], "apiVersion": "v1",
                                               "resourceVersion": pod["metadata"]["resourceVersion"]}
        assert unhealthy["source"] == {"component": "kubelet", "host": "node01"}
    asyncio.run(main())


def test_a_selected_mirror_takes_in_what_its_selector_selects_and_lets_go_what_it_no_longer_does():
    mirror = Mirror(Client(MockTransport(lambda r: Response(500))), "/api/v1/pods",
                    {"labelSelector": "app=web", "fieldSelector": "spec.nodeName=node01"})
    mirror.listed([])
    mirror.type = ("v1", "Pod")

    def pod(rv: str, app: str, node: str) -> dict:
        return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "default", "uid": "u",
                                                                 "resourceVersion": rv, "labels": {"app": app}},
                "spec": {"nodeName": node}}

    mirror.wrote("POST", pod("1", "web", "node02"))
    assert mirror.get("default", "p") is None
    mirror.wrote("PATCH", pod("2", "web", "node01"))
    assert mirror.get("default", "p")["metadata"]["resourceVersion"] == "2"
    mirror.wrote("PATCH", pod("3", "db", "node01"))
    assert mirror.get("default", "p") is None
