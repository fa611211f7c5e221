"""Shared low-level code: namespaces, links, addresses, routes, mounts, packet filters.

Keep this package's __init__ empty: CNI plugins import `kinns.kernel.syscalls`
on their start-up path.
"""
