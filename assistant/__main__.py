"""Allow `python -m assistant …` as an alias of the `revierlotse` command."""

from assistant.doors.cli import app

app(prog_name="revierlotse")
