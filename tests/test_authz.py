"""Authorization's pure logic: request attributes, rule matching and coverage, the RBAC index over a store, the
Node authorizer's relationships, impersonation, query parsing, and the aggregation controller on a fake API."""

import asyncio

import pytest
from fakes import FakeAPI, settle
from multidict import CIMultiDict

from kinns.apimachinery.errors import APIError
from kinns.apiserver import query
from kinns.apiserver.auth import User
from kinns.apiserver.authz import Authorizer, attributes, escalation, policy
from kinns.apiserver.authz.impersonation import impersonate
from kinns.apiserver.authz.rules import allows, describe, uncovered
from kinns.client import Informers
from kinns.controllers.rbac import ClusterRoleAggregationController
from kinns.store import Event, SQLiteStore

ALICE = User("alice", ("dev", "system:authenticated"))


def attrs(verb, resource, namespace="", name="", group="", sub="", user=ALICE):
    return attributes.Attributes(user, verb, True, group, "v1", resource, sub, namespace, name)


def test_request_attributes_as_kube_apiserver_resolves_them():
    a = attributes.from_request(ALICE, "GET", ["api", "v1", "namespaces", "web", "pods"], {}, watch=False)
    assert (a.verb, a.resource, a.namespace, a.name) == ("list", "pods", "web", "")
    a = attributes.from_request(ALICE, "GET", ["api", "v1", "namespaces", "web", "pods"], {}, watch=True)
    assert a.verb == "watch"
    a = attributes.from_request(ALICE, "GET", ["api", "v1", "namespaces", "web", "configmaps"],
                                {"fieldSelector": "metadata.name=cfg"}, watch=True)
    assert (a.verb, a.name) == ("watch", "cfg")
    a = attributes.from_request(ALICE, "DELETE", ["apis", "apps", "v1", "namespaces", "web", "deployments"], {}, False)
    assert (a.verb, a.api_group) == ("deletecollection", "apps")
    a = attributes.from_request(ALICE, "GET", ["api", "v1", "namespaces", "web"], {}, False)
    assert (a.resource, a.namespace, a.name) == ("namespaces", "web", "web")
    a = attributes.from_request(ALICE, "PUT", ["api", "v1", "namespaces", "web", "finalize"], {}, False)
    assert (a.resource, a.name, a.subresource, a.verb) == ("namespaces", "web", "finalize", "update")
    a = attributes.from_request(ALICE, "GET", ["apis"], {}, False)
    assert (a.resource_request, a.path, a.verb) == (False, "/apis", "get")


def test_forbidden_messages_are_kube_apiserver_s():
    err = attributes.forbidden(attrs("get", "deployments", "web", "d", group="apps"))
    assert err.code == 403 and err.message == ('deployments.apps "d" is forbidden: User "alice" cannot get resource '
                                               '"deployments" in API group "apps" in the namespace "web"')
    err = attributes.forbidden(attrs("list", "nodes"))
    assert err.message.endswith('cannot list resource "nodes" in API group "" at the cluster scope')
    err = attributes.forbidden(attributes.Attributes(ALICE, "get", False, path="/metrics"))
    assert err.message == 'forbidden: User "alice" cannot get path "/metrics"'


@pytest.mark.parametrize("rule, request_, allowed", [
    ({"verbs": ["get"], "apiGroups": [""], "resources": ["pods"]}, ("get", "pods"), True),
    ({"verbs": ["get"], "apiGroups": [""], "resources": ["pods"]}, ("list", "pods"), False),
    ({"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}, ("create", "pods", "log"), True),
    ({"verbs": ["get"], "apiGroups": [""], "resources": ["pods"]}, ("get", "pods", "log"), False),
    ({"verbs": ["get"], "apiGroups": [""], "resources": ["*/log"]}, ("get", "pods", "log"), True),
    ({"verbs": ["get"], "apiGroups": [""], "resources": ["pods"], "resourceNames": ["a"]}, ("get", "pods", "", "a"),
     True),
    ({"verbs": ["get"], "apiGroups": [""], "resources": ["pods"], "resourceNames": ["a"]}, ("get", "pods", "", "b"),
     False),
])
def test_rules_match_verbs_groups_resources_subresources_and_names(rule, request_, allowed):
    verb, resource, sub, name = (*request_, "", "")[:4]
    assert allows(rule, attrs(verb, resource, "ns", name, sub=sub)) is allowed


def test_urls_match_exactly_or_by_a_trailing_star():
    rule = {"verbs": ["get"], "nonResourceURLs": ["/healthz", "/apis/*"]}
    for path, ok in (("/healthz", True), ("/apis/apps/v1", True), ("/healthz/etcd", False), ("/api", False)):
        assert allows(rule, attributes.Attributes(ALICE, "get", False, path=path)) is ok


def test_coverage_breaks_rules_into_single_permissions():
    owner = [{"verbs": ["get", "list"], "apiGroups": [""], "resources": ["pods", "services"]}]
    assert uncovered(owner, [{"verbs": ["get"], "apiGroups": [""], "resources": ["pods"]}]) == []
    missing = uncovered(owner, [{"verbs": ["get", "delete"], "apiGroups": [""], "resources": ["pods"]}])
    assert [describe(m) for m in missing] == ['{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}']
    # a wildcard is covered only by a wildcard
    assert uncovered(owner, [{"verbs": ["get"], "apiGroups": [""], "resources": ["*"]}]) != []
    named = [{"verbs": ["get"], "apiGroups": [""], "resources": ["pods"], "resourceNames": ["a"]}]
    assert uncovered(named, [{"verbs": ["get"], "apiGroups": [""], "resources": ["pods"]}]) != []


def _store(tmp_path) -> SQLiteStore:
    return SQLiteStore(tmp_path / "state.db")


def _put(store, plural, obj, namespace=""):
    key = f"/registry/rbac.authorization.k8s.io/{plural}/" + (f"{namespace}/" if namespace else "") + \
        obj["metadata"]["name"]
    if namespace:
        obj["metadata"]["namespace"] = namespace
    return store.create(key, obj)


def test_the_index_follows_bindings_as_they_are_written_and_deleted(tmp_path):
    store = _store(tmp_path)
    authz = Authorizer(store)
    _put(store, "clusterroles", {"metadata": {"name": "reader"},
                                 "rules": [{"verbs": ["get"], "apiGroups": [""], "resources": ["pods"]}]})
    assert not authz.decide(attrs("get", "pods", "web"))[0]
    binding = {"metadata": {"name": "b"}, "roleRef": {"kind": "ClusterRole", "name": "reader"},
               "subjects": [{"kind": "Group", "name": "dev"}]}
    _put(store, "rolebindings", binding, "web")
    assert authz.decide(attrs("get", "pods", "web"))[0]
    assert not authz.decide(attrs("get", "pods", "other"))[0]  # a RoleBinding grants in its namespace only
    store.delete("/registry/rbac.authorization.k8s.io/rolebindings/web/b")
    assert not authz.decide(attrs("get", "pods", "web"))[0]
    # a ClusterRoleBinding naming a Role grants nothing; one naming the ClusterRole grants everywhere
    _put(store, "clusterrolebindings", {"metadata": {"name": "c"}, "roleRef": {"kind": "ClusterRole", "name": "reader"},
                                        "subjects": [{"kind": "User", "name": "alice"}]})
    assert authz.decide(attrs("get", "pods", "anywhere"))[0]
    sa = User("system:serviceaccount:web:robot", ("system:serviceaccounts", "system:authenticated"))
    _put(store, "rolebindings", {"metadata": {"name": "sa"}, "roleRef": {"kind": "ClusterRole", "name": "reader"},
                                 "subjects": [{"kind": "ServiceAccount", "name": "robot"}]}, "web")
    assert authz.decide(attrs("get", "pods", "web", user=sa))[0]  # the subject's namespace is the binding's


def test_masters_pass_and_escalation_is_refused_unless_covered(tmp_path):
    store = _store(tmp_path)
    authz = Authorizer(store)
    assert authz.decide(attrs("delete", "nodes", user=User("root", ("system:masters",))))[0]
    _put(store, "clusterroles", {"metadata": {"name": "pods"},
                                 "rules": [{"verbs": ["*"], "apiGroups": [""], "resources": ["pods"]}]})
    _put(store, "rolebindings", {"metadata": {"name": "b"}, "roleRef": {"kind": "ClusterRole", "name": "pods"},
                                 "subjects": [{"kind": "User", "name": "alice"}]}, "web")
    ok = {"metadata": {"name": "r"}, "rules": [{"verbs": ["get"], "apiGroups": [""], "resources": ["pods"]}]}
    escalation.check(authz, ALICE, "roles", "web", ok)
    with pytest.raises(APIError) as refused:
        escalation.check(authz, ALICE, "roles", "other", ok)
    assert refused.value.code == 403 and 'user "alice" (groups=["dev" "system:authenticated"]) is attempting to ' \
        "grant RBAC permissions not currently held:\n{APIGroups:[\"\"], Resources:[\"pods\"], Verbs:[\"get\"]}" \
        in refused.value.message


def test_kubelets_reach_secrets_of_their_own_pods_only(tmp_path):
    store = _store(tmp_path)
    authz = Authorizer(store)
    store.create("/registry/core/pods/web/p", {"metadata": {"name": "p", "namespace": "web"}, "spec": {
        "nodeName": "node01", "volumes": [{"name": "v", "secret": {"secretName": "mine"}}],
        "containers": [{"name": "c", "envFrom": [{"configMapRef": {"name": "cfg"}}]}]}})
    kubelet = User("system:node:node01", ("system:nodes", "system:authenticated"))
    other = User("system:node:node02", ("system:nodes", "system:authenticated"))
    assert authz.decide(attrs("get", "secrets", "web", "mine", user=kubelet))[0]
    assert authz.decide(attrs("watch", "configmaps", "web", "cfg", user=kubelet))[0]
    denied, reason = authz.decide(attrs("get", "secrets", "web", "mine", user=other))
    assert not denied and reason == "no relationship found between node 'node02' and this object"
    assert not authz.decide(attrs("list", "secrets", "web", user=kubelet))[0]
    assert authz.decide(attrs("create", "serviceaccounts", "web", "default", sub="token", user=kubelet))[0]
    assert authz.decide(attrs("patch", "nodes", "", "node01", sub="status", user=kubelet))[0]
    assert not authz.decide(attrs("patch", "nodes", "", "node02", user=kubelet))[0]
    assert authz.decide(attrs("update", "pods", "web", "p", sub="status", user=kubelet))[0]
    assert not authz.decide(attrs("update", "pods", "web", "p", sub="status", user=other))[0]
    assert authz.decide(attrs("update", "leases", "kube-node-lease", "node01", group="coordination.k8s.io",
                              user=kubelet))[0]


def test_impersonation_needs_the_verb_and_adds_the_implied_groups(tmp_path):
    store = _store(tmp_path)
    authz = Authorizer(store)
    headers = CIMultiDict([("Impersonate-User", "system:serviceaccount:web:robot")])
    with pytest.raises(APIError) as refused:
        impersonate(authz, ALICE, headers)
    assert refused.value.message.startswith('serviceaccounts "robot" is forbidden: User "alice" cannot impersonate')
    root = User("root", ("system:masters",))
    became = impersonate(authz, root, headers)
    assert became == User("system:serviceaccount:web:robot", ("system:serviceaccounts", "system:serviceaccounts:web",
                                                              "system:authenticated"))
    assert impersonate(authz, root, CIMultiDict()) is root


def test_query_booleans_and_watch_list_options():
    assert [query.flag({"watch": v}, "watch") for v in ("1", "t", "True", "0", "FALSE", "")] == \
        [True, True, True, False, False, None]
    with pytest.raises(APIError) as bad:
        query.flag({"watch": "yes"}, "watch")
    assert bad.value.message == 'strconv.ParseBool: parsing "yes": invalid syntax'
    opts = query.list_options({"sendInitialEvents": "true", "allowWatchBookmarks": "true",
                               "resourceVersionMatch": "NotOlderThan"}, watch=True)
    assert opts.initial_events and opts.send_initial
    assert query.list_options({"resourceVersion": "5"}, watch=True).initial_events is False
    with pytest.raises(APIError) as invalid:
        query.list_options({"sendInitialEvents": "true"}, watch=True)
    assert invalid.value.code == 422 and "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan" \
        in invalid.value.message and "allowWatchBookmarks" in invalid.value.message


def test_the_bootstrap_policy_binds_what_kubeadm_clusters_bind():
    bindings = {b["metadata"]["name"]: b for b in policy.cluster_role_bindings()}
    assert bindings["cluster-admin"]["subjects"] == [{"kind": "Group", "apiGroup": "rbac.authorization.k8s.io",
                                                      "name": "system:masters"}]
    assert bindings["system:controller:replicaset-controller"]["subjects"][0]["name"] == "replicaset-controller"
    roles = {r["metadata"]["name"]: r for r in policy.cluster_roles()}
    assert roles["view"]["aggregationRule"]["clusterRoleSelectors"] == [
        {"matchLabels": {"rbac.authorization.k8s.io/aggregate-to-view": "true"}}]
    assert roles["edit"]["metadata"]["labels"]["rbac.authorization.k8s.io/aggregate-to-admin"] == "true"


def test_the_aggregation_controller_gathers_and_drops_rules():
    api = FakeAPI()
    api.add("clusterroles", {"metadata": {"name": "view"}, "aggregationRule": {"clusterRoleSelectors": [
        {"matchLabels": {"agg": "true"}}]}, "rules": []})
    rule = {"verbs": ["get"], "apiGroups": ["x"], "resources": ["y"]}
    api.add("clusterroles", {"metadata": {"name": "extra", "labels": {"agg": "true"}}, "rules": [rule]})
    api.add("clusterroles", {"metadata": {"name": "other"}, "rules": [{"verbs": ["*"], "apiGroups": ["*"],
                                                                       "resources": ["*"]}]})
    controller = ClusterRoleAggregationController(api.client, Informers(api.client))
    asyncio.run(settle(controller, api))
    assert api.get("clusterroles", "", "view")["rules"] == [rule]


def test_store_listeners_see_each_event_before_watchers(tmp_path):
    store = _store(tmp_path)
    seen: list[Event] = []
    store.listeners.append(seen.append)
    store.create("/registry/x/a", {"metadata": {"name": "a"}})
    assert [(e.type, e.key) for e in seen] == [("ADDED", "/registry/x/a")]


def test_openapi_documents_build_for_every_group_version():
    from kinns.apiserver import openapi
    from kinns.apiserver.resources import Registry

    registry = Registry()
    index = openapi.index(registry)
    assert "api/v1" in index["paths"] and "apis/rbac.authorization.k8s.io/v1" in index["paths"]
    document = openapi.document(registry, "rbac.authorization.k8s.io", "v1")
    assert document["info"]["version"].startswith("v1.37")


def test_discovery_names_the_kinds_of_subresources_and_keeps_its_group_version():
    from kinns.apiserver import discovery
    from kinns.apiserver.resources import Registry

    core = discovery.resource_list(Registry(), "", "v1")
    assert core["groupVersion"] == "v1"
    by_name = {r["name"]: r for r in core["resources"]}
    assert (by_name["pods/eviction"]["group"], by_name["pods/eviction"]["kind"]) == ("policy", "Eviction")
    assert by_name["pods/exec"]["kind"] == "PodExecOptions" and "group" not in by_name["pods/exec"]
    assert by_name["nodes/proxy"]["kind"] == "NodeProxyOptions"
    assert discovery.resource_list(Registry(), "apps", "v1")["groupVersion"] == "apps/v1"
