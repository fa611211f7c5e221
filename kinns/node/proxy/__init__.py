"""kube-proxy: a Service's virtual IP, made real in each node's packet filter (iptables or nftables mode).

It runs as kubeadm runs it: the `kube-proxy` DaemonSet in kube-system, one
hostNetwork pod per node, configured by the `kube-proxy` ConfigMap.
"""
