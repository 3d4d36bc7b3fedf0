"""Distributed mode: fetch and assemble as Celery tasks over RabbitMQ, stored in PostgreSQL.

Nothing here is imported unless ``broker_url`` is set and a ``worker``/``scheduler``
command runs, so the embedded single-process desk needs no Celery at all.
"""
