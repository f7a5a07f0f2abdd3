"""`revierlotse` command line; each module registers its commands on the shared app.

Exit codes scripts can rely on: 0 success, 1 finished but some files failed,
2 the command could not do its job (message on stderr, in German).
"""

from assistant.doors.cli import answer_cmds, bot_cmds, eval_cmds, index_cmds, serve_cmds  # noqa: F401  (register commands)
from assistant.doors.cli.app import app

__all__ = ["app"]
