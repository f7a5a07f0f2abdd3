"""`revierlotse` command line; each module registers its commands on the shared app.

Exit codes scripts can rely on: 0 success, 1 finished but some files failed,
2 the command could not do its job (message on stderr, in German).
"""

from assistant.cli import eval_cmds, index_cmds  # noqa: F401  (registers commands)
from assistant.cli import bot_cmds  # noqa: F401  (registers `revierlotse bot`)
from assistant.cli import serve_cmds  # noqa: F401
from assistant.cli import answer_cmds  # noqa: F401
from assistant.cli.app import app

__all__ = ["app"]
