"""Probes: samplers of MySQL (direct connection), the app's pool, the proxy; run by ProbeLoop."""
