"""Alembic's script folder: ``env.py``, the revisions under ``versions/`` and the SQL that
revisions share (``fragments``), importable by its package path."""
