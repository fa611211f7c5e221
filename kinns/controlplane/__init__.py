"""The control plane of a kinns cluster in one process, as k3s's server runs it: the API server, the add-ons it
installs, kube-controller-manager's controllers and kube-scheduler, and the components' health ports."""
