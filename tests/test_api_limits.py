"""kube-apiserver's limits on what a request may carry, in the form it answers with (a Status)."""

import json
import time

import pytest

from kinns.apimachinery.errors import APIError
from kinns.apiserver import body
from kinns.apiserver.storage import too_large
from kinns.store import MAX_VALUE, SQLiteStore, TooLarge

BOMB = b"""a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
"""


def refusal(raw: bytes, content_type: str) -> APIError:
    with pytest.raises(APIError) as err:
        body.parse(raw, content_type)
    return err.value


def test_a_yaml_alias_bomb_is_refused_in_milliseconds():
    started = time.monotonic()
    err = refusal(BOMB, "application/yaml")
    assert (err.code, err.reason, err.message) == (400, "BadRequest", "yaml: document contains excessive aliasing")
    assert time.monotonic() - started < 0.5
    assert body.parse(b"base: &b {app: web}\nitems: [*b, *b]\n", "application/yaml") == {
        "base": {"app": "web"}, "items": [{"app": "web"}, {"app": "web"}]}  # ordinary anchors still work


@pytest.mark.parametrize("raw, content_type", [(b"[" * 10000 + b"]" * 10000, "application/json"),
                                              (b"a: " + b"[" * 10000 + b"]" * 10000, "application/yaml")])
def test_deep_nesting_is_a_bad_request(raw, content_type):
    assert refusal(raw, content_type).code == 400


def test_bodies_over_3_mib_and_objects_over_the_store_limit_are_too_large():
    err = refusal(b" " * (body.MAX_BODY + 1), "application/json")
    assert (err.code, err.reason, err.message) == (413, "RequestEntityTooLarge", "Request entity too large: limit "
                                                   "is 3145728")
    assert too_large().code == 413 and too_large().to_status()["reason"] == "RequestEntityTooLarge"


def test_the_store_refuses_an_object_over_its_limit_and_keeps_nothing(tmp_path):
    store = SQLiteStore(tmp_path / "db")
    revision = store.revision
    with pytest.raises(TooLarge):
        store.create("/registry/core/configmaps/ns/big", {"metadata": {"name": "big"}, "data": {"x": "y" * MAX_VALUE}})
    assert store.get("/registry/core/configmaps/ns/big") is None and store.revision == revision


def test_a_status_says_what_went_wrong():
    status = refusal(b"{not json", "application/json").to_status()
    assert status["kind"] == "Status" and status["status"] == "Failure" and status["code"] == 400
    assert status["message"].startswith("the body of the request was in an unknown format")
    json.dumps(status)
