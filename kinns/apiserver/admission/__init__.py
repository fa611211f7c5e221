"""Admission: what kube-apiserver does to a write between authorization and storage.

Built-in plugins (plugins.py) default and refuse in process; the dynamic
admission an administrator configures runs after them, in kube-apiserver's
order: mutating webhooks (webhooks.py), then schema validation, then
ValidatingAdmissionPolicies (policies.py) and validating webhooks. The
configurations are indexed as the store changes (configurations.py) and
matched by the rules and selectors both kinds share (matching.py). chain.py
puts them together as the hooks the storage layer calls.
"""
