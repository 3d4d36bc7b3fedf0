"""Command-line interface: ``quorum --help`` lists every command.

Each module below registers its commands on ``quorum.cli.app.app`` when imported.
"""

from quorum.cli import (
    core,  # noqa: F401
    demo_cmd,  # noqa: F401
    eval_beat,  # noqa: F401
    eval_clustering,  # noqa: F401
    eval_dates,  # noqa: F401
    eval_enrich,  # noqa: F401
    eval_impact,  # noqa: F401
    eval_stories,  # noqa: F401
    eval_summarization,  # noqa: F401
    extract_cmd,  # noqa: F401
    ingest_cmd,  # noqa: F401
    stories_cmd,  # noqa: F401
    web_cmd,  # noqa: F401
    worker_cmd,  # noqa: F401
)
from quorum.cli.app import app

__all__ = ["app"]
