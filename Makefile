# `make up`: set up this machine and start the default cluster.
# `make test`: set up this machine and run the whole test suite.
.PHONY: setup up down test unit bench

setup:
	@scripts/setup.sh

up: setup
	.venv/bin/kinns up --reuse

down: setup
	.venv/bin/kinns down

test: setup
	.venv/bin/python -m pytest -q

unit: setup
	.venv/bin/python -m pytest -q -m "not kernel"

bench: setup
	.venv/bin/python bench/cni_latency.py
	.venv/bin/python bench/cluster_up.py
	.venv/bin/python bench/apiserver.py
	.venv/bin/python bench/deployment_pods.py
	.venv/bin/python bench/proxy.py
	.venv/bin/python bench/dns.py
	.venv/bin/python bench/ingress.py
	.venv/bin/python bench/gateway.py
