"""Command-line interface: ``quorum --help`` lists every command.

Each module below registers its commands on ``quorum.cli.app.app`` when imported.
"""

from quorum.cli import core  # noqa: F401
from quorum.cli import extract_cmd  # noqa: F401
from quorum.cli import demo_cmd  # noqa: F401
from quorum.cli import ingest_cmd  # noqa: F401
from quorum.cli import stories_cmd  # noqa: F401
from quorum.cli import eval_beat  # noqa: F401
from quorum.cli import eval_clustering  # noqa: F401
from quorum.cli import eval_summarization  # noqa: F401
from quorum.cli import eval_enrich  # noqa: F401
from quorum.cli import web_cmd  # noqa: F401
from quorum.cli.app import app

__all__ = ["app"]
