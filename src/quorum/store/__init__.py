"""Storage behind one interface: ``Store`` over SQLite or PostgreSQL (SQLAlchemy 2)."""

from quorum.store.store import AddResult, MissingDatabase, NewArticle, Store, StoreError

__all__ = ["AddResult", "MissingDatabase", "NewArticle", "Store", "StoreError"]
