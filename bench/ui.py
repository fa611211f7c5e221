"""`kinns ui` with 100 pods: page load and live-update delay in headless Chromium, beside the API watch itself.

A default 3-node cluster runs a Deployment of 100 pods. Page load: from the browser's navigation to the moment
every one of the 100 pods is drawn with its IP (the snapshot over the WebSocket, rendered), RUNS loads; Chromium's
own navigation timing (domContentLoaded) is printed beside it. Live update: CHANGES pods created one at a time
while the page is open, each timed from `kubectl run` returning to its box on the page; the reference is the
same event seen by `kubectl get pods --watch` started beforehand, in the same run.
"""

import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parents[1])  # the repository, not bench/ (whose dns.py is not dnspython)
sys.path.insert(1, str(Path(__file__).resolve().parents[1] / "tests"))  # the browser and server the tests use

from selenium.webdriver.common.by import By  # noqa: E402

from bench.harness import kubectl_for  # noqa: E402
from kinns import cluster as lifecycle  # noqa: E402
from test_ui import browser, serve  # noqa: E402

PODS, RUNS, CHANGES = 100, 5, 10


def drawn(driver, wanted: int) -> bool:
    return driver.execute_script(
        "return [...document.querySelectorAll('.pod')].filter(p => p.dataset.pod.startsWith('default/many-') &&"
        " !p.classList.contains('pending')).length") >= wanted


def main() -> None:
    cluster = lifecycle.up("kb-ui", dns_upstream="controlplane")
    kubectl = kubectl_for(cluster)
    kubectl.name = cluster.name
    try:
        kubectl("create", "deployment", "many", "--image=kinns/echo", f"--replicas={PODS}")
        kubectl("rollout", "status", "deployment/many", "--timeout=300s")
        proc, url = serve(kubectl)
        driver = browser()
        try:
            loads, dom = [], []
            for _ in range(RUNS):
                start = time.monotonic()
                driver.get(url)
                while not drawn(driver, PODS):
                    time.sleep(0.01)
                loads.append(time.monotonic() - start)
                dom.append(driver.execute_script("const t = performance.getEntriesByType('navigation')[0];"
                                                 " return t.domContentLoadedEventEnd - t.startTime;") / 1000)
            seen: dict[str, float] = {}
            watch = subprocess.Popen(["kubectl", "get", "pods", "--watch", "-o", "name"], text=True,
                                     stdout=subprocess.PIPE,
                                     env={**os.environ, "KUBECONFIG": str(cluster.state_dir / "kubeconfig")})

            def read() -> None:
                for line in watch.stdout:
                    seen.setdefault(line.strip().removeprefix("pod/"), time.monotonic())

            threading.Thread(target=read, daemon=True).start()
            time.sleep(1)
            page, api = [], []
            for i in range(CHANGES):
                name = f"late-{i}"
                kubectl("run", name, "--image=kinns/echo")
                start = time.monotonic()
                while not driver.find_elements(By.CSS_SELECTOR, f'[data-pod="default/{name}"]'):
                    time.sleep(0.005)
                page.append(time.monotonic() - start)
                while name not in seen:
                    time.sleep(0.005)
                api.append(seen[name] - start)
            watch.terminate()
        finally:
            driver.quit()
            proc.terminate()
            proc.wait()
        loads.sort()
        page.sort()
        api.sort()
        print(f"page load, {PODS} pods drawn with their IPs: p50 {statistics.median(loads) * 1000:.0f} ms, "
              f"max {loads[-1] * 1000:.0f} ms  (domContentLoaded p50 {statistics.median(dom) * 1000:.0f} ms)")
        print(f"new pod on the open page: p50 {statistics.median(page) * 1000:.0f} ms, max {page[-1] * 1000:.0f} ms "
              f"(goal < 2 s); kubectl get --watch saw it after p50 {statistics.median(api) * 1000:.0f} ms, "
              f"max {api[-1] * 1000:.0f} ms")
    finally:
        lifecycle.down(cluster)


if __name__ == "__main__":
    main()
