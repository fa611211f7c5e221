"""The Ingress controller: ingress-nginx's job, done by a Python controller that renders config for real nginx.

It runs as ingress-nginx does: the Deployment ingress-nginx-controller in the
ingress-nginx namespace behind a LoadBalancer Service, serving the Ingresses
of IngressClass `nginx` (the default class). Traffic goes from nginx straight
to the endpoint pod addresses of the EndpointSlices, as ingress-nginx sends it.
"""
