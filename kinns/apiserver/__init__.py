"""kube-apiserver for kinns: HTTPS on the control-plane node, objects in kinns.store."""
