"""`kinns ui` in headless Chromium (Debian's, through its chromedriver): the page shows the nodes, their eth0,
bridge and tunnel, the pods with their IPs, the Services; a pod created while the page is open appears within
2 s; clicking a pod and a Service runs a trace and draws its path."""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.support.ui import WebDriverWait

from conftest import kube_cluster, wait
from test_trace import no_trace_tables, pod

pytestmark = pytest.mark.kernel


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def browser(width: int = 1500, height: int = 1000) -> webdriver.Chrome:
    """Debian's Chromium, headless, driven by Debian's chromedriver (nothing downloaded)."""
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 f"--window-size={width},{height}"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def serve(cluster) -> tuple[subprocess.Popen, str]:
    """`kinns ui` for the cluster on a free loopback port; its URL once it answers."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "kinns.cli.main", "ui", "--name", cluster.name, "--listen",
                             f"127.0.0.1:{port}"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}/"

    def answers() -> bool:
        try:
            return urllib.request.urlopen(url + "api/state", timeout=1).status == 200
        except OSError:
            return False

    wait(answers, 30)
    return proc, url


@pytest.fixture(scope="module")
def cluster():
    with kube_cluster() as kubectl:
        kubectl("apply", "-f", "-", input=json.dumps({"apiVersion": "v1", "kind": "List", "items": [
            pod("client", "node01", {}), pod("web-1", "node02", {"app": "web"})]}))
        kubectl("create", "service", "clusterip", "web", "--tcp=80:8080")
        kubectl("wait", "--for=condition=ready", "pod", "--all", "--timeout=60s")
        yield kubectl


@pytest.fixture(scope="module")
def page(cluster):
    proc, url = serve(cluster)
    driver = browser()
    try:
        driver.get(url)
        WebDriverWait(driver, 15).until(
            ready.presence_of_element_located((By.CSS_SELECTOR, '[data-pod="default/client"]')))
        yield driver
    finally:
        driver.quit()
        proc.terminate()
        proc.wait(timeout=10)


def text(driver, selector: str) -> str:
    return driver.find_element(By.CSS_SELECTOR, selector).text


def field(cluster, *args: str) -> str:
    return cluster("get", *args).stdout


def test_the_page_shows_nodes_bridges_tunnels_pods_and_services(cluster, page):
    record = json.loads((cluster.state / "cluster.json").read_text())
    assert record["bridge"] in text(page, "#host")
    for node in record["nodes"]:
        box = text(page, f'[data-node="{node["name"]}"]')
        assert f"eth0 {node['ip']}/24" in box and "flannel.1 vxlan id 1 :8472" in box
    assert "cni0 10.244." in text(page, '[data-node="node01"] [data-bridge="cni0"]')
    client = text(page, '[data-pod="default/client"]')
    assert field(cluster, "pod", "client", "-o", "jsonpath={.status.podIP}") in client and "veth" in client
    row = text(page, '[data-service="default/web"]')
    assert field(cluster, "svc", "web", "-o", "jsonpath={.spec.clusterIP}") in row
    assert f"{field(cluster, 'pod', 'web-1', '-o', 'jsonpath={.status.podIP}')}:8080" in row
    assert "kube-dns 10.96.0.10:53" in text(page, "#dns")


def test_a_new_pod_appears_within_two_seconds(cluster, page):
    start = time.monotonic()
    cluster("run", "late", "--image=kinns/echo", "--overrides", '{"spec": {"nodeName": "node02"}}')
    WebDriverWait(page, 2, poll_frequency=0.05).until(
        ready.presence_of_element_located((By.CSS_SELECTOR, '[data-pod="default/late"]')))
    assert time.monotonic() - start < 2
    cluster("wait", "--for=condition=ready", "pod/late", "--timeout=30s")
    ip = field(cluster, "pod", "late", "-o", "jsonpath={.status.podIP}")
    WebDriverWait(page, 5).until(lambda d: ip in text(d, '[data-pod="default/late"]'))


def test_a_clicked_trace_is_drawn(cluster, page, tmp_path):
    page.find_element(By.CSS_SELECTOR, '[data-pod="default/client"]').click()
    WebDriverWait(page, 5).until(lambda d: "now click" in text(d, "#trace"))
    page.find_element(By.CSS_SELECTOR, '[data-service="default/web"]').click()
    WebDriverWait(page, 30).until(ready.presence_of_element_located((By.CSS_SELECTOR, "#trace .verdict")))
    verdict = text(page, "#trace .verdict")
    assert verdict.startswith("delivered to default/web-1 "), verdict
    assert "dnat" in text(page, "#trace ol") and "encapsulate" in text(page, "#trace ol")
    assert page.find_elements(By.CSS_SELECTOR, "#wires .trace-path")
    on_path = {e.get_attribute("data-node") or e.get_attribute("data-pod")
               for e in page.find_elements(By.CSS_SELECTOR, ".on-path")}
    assert {"default/client", "node01", "node02", "default/web-1"} <= on_path
    assert no_trace_tables(cluster) == []
    shot = tmp_path / "ui.png"
    page.save_screenshot(str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    if os.environ.get("KINNS_UI_SCREENSHOT"):  # how the README's picture is made
        shutil.copy(shot, os.environ["KINNS_UI_SCREENSHOT"])


def test_the_trace_endpoint_refuses_bad_input(cluster, page):
    url = page.current_url + "api/trace"

    def post(body: bytes) -> tuple[int, dict]:
        request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read())

    assert post(b"[") == (400, {"error": "the body is not JSON"})
    assert post(json.dumps({"from": "client", "to": "x" * 300}).encode())[0] == 400
    assert post(json.dumps({"from": "client", "to": "web", "proto": "sctp"}).encode()) == \
        (400, {"error": "proto: one of tcp, udp, icmp"})
    status, body = post(json.dumps({"from": "clinet", "to": "web"}).encode())
    assert status == 422 and "close names: client" in body["error"]
