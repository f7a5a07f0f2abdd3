"""`revierlotse bot` as a real process: long polling against the fake Bot API, Ctrl+C to stop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.doors.telegram.telegram_fake import FakeTelegram

TOKEN = "424242:process-test-SECRET-token"


def test_cli_runs_the_bot_until_interrupted_and_never_logs_the_token(small_assistant, tmp_path):
    s = small_assistant.settings
    with FakeTelegram() as tg:
        env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "REVIERLOTSE_TELEGRAM_API_URL": tg.base_url,
            "REVIERLOTSE_CORPUS_DIR": str(s.corpus_dir),
            "REVIERLOTSE_INDEX_DIR": str(s.index_dir),
            "REVIERLOTSE_EMBEDDING_CACHE": str(s.embedding_cache_path),
        }
        script = Path(sys.executable).parent / "revierlotse"
        proc = subprocess.Popen(
            [str(script), "bot"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            tg.wait_for("setMyCommands", timeout=60)
            tg.send_text("/start", chat_id=31)
            assert "Willkommen" in tg.wait_for("sendMessage", chat_id=31)[-1].text
            tg.send_text("Wie hoch ist die Förderquote bei STARK?", chat_id=31)
            answer = tg.wait_for("sendMessage", chat_id=31, count=2, timeout=60)[-1]
            assert "90 Prozent" in answer.text
        finally:
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "starts long polling" in err  # INFO logging was on
    assert TOKEN not in out + err
    assert TOKEN.split(":", 1)[1] not in out + err
    assert {c.token for c in tg.requests()} == {TOKEN}
