"""Telegram plumbing the handlers share: who is addressed, rate limit and error guard, bounded memory."""

from __future__ import annotations

import functools
import logging
import re
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from telegram import (
    Message,
    Update,
)
from telegram.constants import ChatType
from telegram.ext import (
    ContextTypes,
    filters,
)

from assistant.doors.telegram.render import (
    esc,
)
from assistant.doors.telegram.texts import (
    APOLOGY,
)
from assistant.errors import RevierlotseError

log = logging.getLogger("revierlotse.bot")

class _AddressedToBot(filters.MessageFilter):
    """Private chats: always.  Groups: a mention of the bot or a reply to one of its messages."""

    def filter(self, message: Message) -> bool:
        if message.chat.type == ChatType.PRIVATE:
            return True
        bot = message.get_bot()
        if bot.username and re.search(rf"@{re.escape(bot.username)}\b", message.text or "", re.IGNORECASE):
            return True
        replied = message.reply_to_message
        return bool(replied and replied.from_user and replied.from_user.id == bot.id)


ADDRESSED = _AddressedToBot(name="addressed_to_bot")


def strip_mention(text: str, username: str | None) -> str:
    if username:
        text = re.sub(rf"@{re.escape(username)}\b", " ", text, flags=re.IGNORECASE)
    return " ".join(text.split())


def update_kind(update: object) -> str:
    if isinstance(update, Update):
        for kind in ("callback_query", "message", "edited_message", "channel_post", "inline_query"):
            if getattr(update, kind, None) is not None:
                if kind == "message" and update.message.text and update.message.text.startswith("/"):
                    return "command"
                return kind
        return "other"
    return type(update).__name__


def remember(store: OrderedDict, key: str, value: Any, limit: int) -> None:
    store[key] = value
    store.move_to_end(key)
    while len(store) > limit:
        store.popitem(last=False)


class GuardedBot(Protocol):
    """What ``guarded`` needs from the bot's handler object."""

    async def _admit(self, update: Update) -> bool: ...

    def _touch(self, context: ContextTypes.DEFAULT_TYPE) -> None: ...

    async def _reply_problem(self, update: Update, html_text: str) -> None: ...


Handler = Callable[[Any, Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]]


def guarded(handler: Handler) -> Handler:
    """Rate limit, then run the handler; errors become a German reply and a log line."""

    @functools.wraps(handler)
    async def wrapper(self: GuardedBot, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if not await self._admit(update):
            return
        self._touch(context)
        try:
            await handler(self, update, context)
        except RevierlotseError as exc:
            log.info(
                "request refused (chat_id=%s, update=%s): %s",
                update.effective_chat and update.effective_chat.id,
                update_kind(update),
                exc.code,
            )
            await self._reply_problem(update, esc(exc.message))
        except Exception:
            log.exception(
                "error while handling update (chat_id=%s, update=%s)",
                update.effective_chat and update.effective_chat.id,
                update_kind(update),
            )
            await self._reply_problem(update, esc(APOLOGY))

    return wrapper
