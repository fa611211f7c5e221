"""Gateway API, as NGINX Gateway Fabric implements it: a controller that gives each Gateway its own nginx.

api.py holds the standard-channel types the CRDs are generated from; graph.py
turns the objects into listeners, attached routes and status conditions;
render.py writes a Gateway's nginx.conf; controller.py is the reconcile loop
(data planes, configuration, status) running as the `nginx-gateway`
Deployment; dataplane.py is the agent in each Gateway's nginx pod.
"""
