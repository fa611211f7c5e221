#!/bin/sh
# Install what kinns needs on Debian 12, idempotently: Debian packages first,
# then the Python environment in .venv with the pinned kubectl and Helm. A second run only checks and returns.
set -eu
cd "$(dirname "$0")/.."

DEBS="iproute2 iptables nftables containernetworking-plugins python3-venv util-linux
      dnsutils iputils-ping curl net-tools procps kmod nginx netcat-openbsd tcpdump dnsperf dnsmasq-base wrk
      chromium chromium-driver"

missing=""
for pkg in $DEBS; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing="$missing $pkg"
done
if [ -n "$missing" ]; then
    echo "setup: installing Debian packages:$missing"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

stamp=.venv/.kinns-setup
want=$(cat requirements.txt pyproject.toml | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "setup: building .venv"
    /usr/bin/python3 -m venv .venv
    .venv/bin/pip install -q --disable-pip-version-check -r requirements.txt
    .venv/bin/pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
    echo "$want" > "$stamp"
fi
# the client libraries the tests use (official kubernetes, lightkube, kr8s), apart from kinns's own
stamp=.venv-clients/.kinns-setup
want=$(sha256sum requirements-clients.txt | cut -c1-16)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "setup: building .venv-clients"
    /usr/bin/python3 -m venv .venv-clients
    .venv-clients/bin/pip install -q --disable-pip-version-check -r requirements-clients.txt
    echo "$want" > "$stamp"
fi
.venv/bin/python scripts/clients.py .venv/bin
ln -sf "$(pwd)/.venv/bin/kinns" /usr/local/bin/kinns
# kubectl and helm on the PATH too, but never in place of a machine's own
for tool in kubectl helm; do
    command -v "$tool" >/dev/null 2>&1 || ln -sf "$(pwd)/.venv/bin/$tool" "/usr/local/bin/$tool"
done
