"""What every component shares about API objects, as k8s.io/apimachinery is for Kubernetes: the error Status,
label selectors, times, conditions and owner references.

A leaf: it imports nothing else of kinns, so the API server, the client and
every node-side component can use it.
"""
