"""`revierlotse` command line; each module registers its commands on the shared app.

Exit codes scripts can rely on: 0 success, 1 finished but some files failed,
2 the command could not do its job (message on stderr, in German).
"""

from assistant.doors.cli import (  # noqa: F401  (register commands)
    answer_cmds,
    bot_cmds,
    editing_cmds,
    eval_cmds,
    index_cmds,
    serve_cmds,
    store_cmds,
)
from assistant.doors.cli.app import app

__all__ = ["app"]
