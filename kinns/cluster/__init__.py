"""Clusters: the underlay, the nodes on it and the routes between them."""

from .cluster import Cluster, ClusterError

__all__ = ["Cluster", "ClusterError"]
