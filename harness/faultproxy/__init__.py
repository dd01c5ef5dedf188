"""The embedded fault proxy: a Toxiproxy 2.12 compatible server (``harness proxy serve``).

``server`` runs the process; ``api`` is the HTTP API (one routes table); ``proxy`` owns the
listeners and ``populate`` the bulk creation; ``connection`` and ``link`` carry the bytes;
``toxics/`` holds one small file per toxic. Reference: ``shared/reference/toxiproxy-api.md``.
"""
