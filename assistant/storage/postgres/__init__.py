"""The PostgreSQL + pgvector backend (``REVIERLOTSE_STORE_URL=postgresql://…``).

``backend.py`` (live pointer, writer lock, publishing), ``schema.py`` (layout),
``writer.py`` (one transaction per generation), ``store.py`` and ``lexical.py``
(reading a generation), ``cache.py`` (shared vector cache), ``migrate.py``
(snapshot → database), ``connection.py`` (pool, German errors).
"""
