"""Allow `python -m assistant …` as an alias of the `revierlotse` command."""

from assistant.doors.cli import app

if __name__ == "__main__":  # guarded: child processes (ingest/isolation.py) must not run the CLI again
    app(prog_name="revierlotse")
