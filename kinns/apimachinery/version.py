"""The Kubernetes release kinns speaks for: what the API server reports at /version, the kubelets in their
node status, kinns's own clients in their user agent. One place, so client and server never disagree."""

MAJOR, MINOR, PATCH = 1, 37, 1
KUBERNETES = f"v{MAJOR}.{MINOR}.{PATCH}"
