"""Cluster DNS: a CoreDNS-compatible server (Corefile, plugins) implementing the Kubernetes DNS specification.

It runs as kubeadm runs CoreDNS: the `coredns` Deployment in kube-system
behind the `kube-dns` Service (10.96.0.10), configured by the `coredns`
ConfigMap mounted at /etc/coredns/Corefile.
"""
