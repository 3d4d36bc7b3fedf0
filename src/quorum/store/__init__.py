"""Storage behind one interface: ``Store`` over SQLite or PostgreSQL (SQLAlchemy 2)."""

from quorum.store.store import AddResult, NewArticle, Store, StoreError

__all__ = ["AddResult", "NewArticle", "Store", "StoreError"]
