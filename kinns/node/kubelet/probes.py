"""Readiness, liveness and startup probes, run by the kubelet from the node's network.

httpGet and tcpSocket go to the pod's IP (or `host`) as the kubelet's do;
exec runs the command inside the container. A probe counts as passed or
failed after successThreshold / failureThreshold results in a row.
"""

import asyncio

import aiohttp


class ProbeState:
    def __init__(self, spec: dict, started: float) -> None:
        self.spec = spec
        self.next_at = started + spec.get("initialDelaySeconds", 0)
        self.successes = self.failures = 0
        self.passed: bool | None = None  # None until a threshold is reached
        self.message = ""

    def due(self, now: float) -> bool:
        return now >= self.next_at

    def record(self, ok: bool, message: str, now: float) -> bool:
        """Count one result; True when the probe's verdict changed."""
        self.next_at = now + self.spec.get("periodSeconds", 10)
        if ok:
            self.successes, self.failures = self.successes + 1, 0
        else:
            self.failures, self.successes = self.failures + 1, 0
        self.message = message
        before = self.passed
        if ok and self.successes >= self.spec.get("successThreshold", 1):
            self.passed = True
        elif not ok and self.failures >= self.spec.get("failureThreshold", 3):
            self.passed = False
        return self.passed != before


def _port(value: object, container: dict) -> int:
    if isinstance(value, int):
        return value
    for p in container.get("ports") or []:
        if p.get("name") == value:
            return p["containerPort"]
    return int(value)


async def run(spec: dict, container: dict, pod_ip: str, enter: list[str]) -> tuple[bool, str]:
    """One probe's result and why it failed; `enter`: the command line that puts a command into the container
    (for exec probes, the command appended)."""
    timeout = spec.get("timeoutSeconds", 1)
    try:
        if "httpGet" in spec:
            get = spec["httpGet"]
            host = get.get("host") or pod_ip
            url = f"{get.get('scheme', 'HTTP').lower()}://{host}:{_port(get.get('port'), container)}" \
                  f"{get.get('path', '/')}"
            headers = {h["name"]: h["value"] for h in get.get("httpHeaders") or []}
            async with aiohttp.ClientSession() as session:
                async with session.get(url, headers=headers, ssl=False,
                                       timeout=aiohttp.ClientTimeout(total=timeout)) as resp:
                    if 200 <= resp.status < 400:
                        return True, ""
                    return False, f"HTTP probe failed with statuscode: {resp.status}"
        if "tcpSocket" in spec:
            sock = spec["tcpSocket"]
            port = _port(sock.get("port"), container)
            _, writer = await asyncio.wait_for(asyncio.open_connection(sock.get("host") or pod_ip, port), timeout)
            writer.close()
            return True, ""
        if "exec" in spec:
            argv = spec["exec"].get("command") or []
            proc = await asyncio.create_subprocess_exec(
                *enter, *argv,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
            try:
                out, _ = await asyncio.wait_for(proc.communicate(), timeout)
            except asyncio.TimeoutError:
                proc.kill()
                return False, f"command {argv} timed out"
            if proc.returncode == 0:
                return True, ""
            return False, out.decode(errors="replace").strip() or f"command {argv} exited with {proc.returncode}"
    except (OSError, asyncio.TimeoutError, aiohttp.ClientError, ValueError) as err:
        return False, str(err) or type(err).__name__
    return True, ""
