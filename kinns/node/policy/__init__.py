"""The NetworkPolicy engine of a node: AdminNetworkPolicy, NetworkPolicy and BaselineAdminNetworkPolicy in
nftables (`model.py` decides, `nftables.py` programs, `agent.py` is the loop)."""
