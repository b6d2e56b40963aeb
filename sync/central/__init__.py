"""The reference central platform: the other end of docs/sync-protocol.md, for many halls.

``store`` keeps halls, enrollment codes, keys, nonces and the per-hall counters in one SQLite
file (``sync.store.Store`` rules); ``intake`` stores uploaded batches once per ``(hall, seq)``;
``downlink`` keeps catalogs and appointments with their versions; ``validate`` is central's
per-event check; ``app`` is the FastAPI application and ``server`` runs it (``hall central``).
"""
