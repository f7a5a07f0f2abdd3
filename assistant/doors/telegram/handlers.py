"""The bot's handlers: commands, questions, buttons; each only calls the Assistant and renders.

* Private chats: every text is a question.  Groups: only commands and messages that
  mention the bot (``@name``) or reply to one of its messages.
* Per-user rate limit with one friendly notice per window.
* Errors are logged with chat id and update type and answered with a German apology
  (a :class:`RevierlotseError` with its own German message); never a stack trace.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import BadRequest
from telegram.ext import (
    ContextTypes,
)

from assistant.answering.models import Answer
from assistant.doors.telegram.chat import guarded, remember, strip_mention, update_kind
from assistant.doors.telegram.ratelimit import Decision, RateLimiter
from assistant.doors.telegram.render import (
    SearchHitView,
    esc,
    plain_text,
    render_answer,
    render_project_check,
    render_search,
    render_sources,
    split_html,
)
from assistant.doors.telegram.texts import (
    APOLOGY,
    EXPIRED,
    HELP,
    PROJECT_PROMPT,
    RATE_LIMIT_NOTICE,
    WELCOME,
)
from assistant.errors import AnswerNotFound
from assistant.service import Assistant
from assistant.text.plural import count

log = logging.getLogger("revierlotse.bot")

CHANNEL = "bot"
SEARCH_PAGE_SIZE = 5
REMEMBERED_ANSWERS = 20  # per chat, for the "Quellen" and "Mehr Treffer" buttons
REMEMBERED_QUERIES = 50
IDLE_CHAT_S = 2 * 3600  # a chat's remembered answers are dropped after this long without use
SWEEP_EVERY_S = 600  # at most this often, look for idle chats to forget
















class RevierlotseBot:
    """The handlers; state per chat lives in ``context.chat_data`` (memory only)."""

    def __init__(self, assistant: Assistant, limiter: RateLimiter, *, page_size: int = SEARCH_PAGE_SIZE) -> None:
        self.assistant = assistant
        self.limiter = limiter
        self.page_size = page_size
        self._last_sweep = time.monotonic()

    # --- plumbing ------------------------------------------------------------------

    def _touch(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Mark the chat as active; every few minutes drop the state of chats idle for long."""
        now = time.monotonic()
        if context.chat_data is not None:
            context.chat_data["seen"] = now
        if now - self._last_sweep < SWEEP_EVERY_S:
            return
        self._last_sweep = now
        application = context.application
        for chat_id, data in list(application.chat_data.items()):
            if data.get("seen", now) < now - IDLE_CHAT_S:
                application.drop_chat_data(chat_id)

    async def _admit(self, update: Update) -> bool:
        user = update.effective_user
        key = user.id if user else (update.effective_chat.id if update.effective_chat else 0)
        decision = self.limiter.check(key)
        if decision is Decision.ALLOW:
            return True
        chat_id = update.effective_chat.id if update.effective_chat else None
        log.info("rate limit for a user in chat_id=%s (%s)", chat_id, decision.value)
        seconds = max(1, round(self.limiter.retry_after(key)))
        notice = RATE_LIMIT_NOTICE.format(seconds=count(seconds, "Sekunden"))
        with contextlib.suppress(Exception):
            if update.callback_query:
                # A button press must always be answered, or the client shows a spinner.
                await update.callback_query.answer(notice if decision is Decision.NOTIFY else None)
            elif decision is Decision.NOTIFY and update.effective_chat:
                await update.get_bot().send_message(update.effective_chat.id, esc(notice), parse_mode=ParseMode.HTML)
        return False

    async def _reply_problem(self, update: Update, html_text: str) -> None:
        with contextlib.suppress(Exception):
            if update.callback_query:
                await update.callback_query.answer()
            if update.effective_chat:
                await update.get_bot().send_message(update.effective_chat.id, html_text, parse_mode=ParseMode.HTML)

    async def _send(
        self,
        context: ContextTypes.DEFAULT_TYPE,
        chat_id: int,
        html_text: str,
        *,
        keyboard: InlineKeyboardMarkup | None = None,
        reply_to: Message | None = None,
    ) -> Message:
        """Send HTML, split into parts of at most 4096 characters; the keyboard goes on the last."""
        parts = split_html(html_text)
        sent: Message | None = None
        for i, part in enumerate(parts):
            reply = None
            if i == 0 and reply_to is not None and reply_to.chat.type != ChatType.PRIVATE:
                reply = ReplyParameters(message_id=reply_to.message_id, allow_sending_without_reply=True)
            markup = keyboard if i == len(parts) - 1 else None
            try:
                sent = await context.bot.send_message(
                    chat_id, part, parse_mode=ParseMode.HTML, reply_markup=markup, reply_parameters=reply
                )
            except BadRequest as exc:
                if "entit" not in str(exc).lower():  # "can't parse entities": send it as plain text
                    raise
                log.warning("Telegram refused our HTML (chat_id=%s): %s; sending plain text", chat_id, exc)
                sent = await context.bot.send_message(
                    chat_id, plain_text(part), reply_markup=markup, reply_parameters=reply
                )
        assert sent is not None
        return sent

    @contextlib.asynccontextmanager
    async def _typing(self, context: ContextTypes.DEFAULT_TYPE, chat_id: int):
        """Show "typing…" now and every few seconds until the block ends."""

        async def keep_typing() -> None:
            while True:
                await asyncio.sleep(4.5)
                with contextlib.suppress(Exception):
                    await context.bot.send_chat_action(chat_id, ChatAction.TYPING)

        with contextlib.suppress(Exception):
            await context.bot.send_chat_action(chat_id, ChatAction.TYPING)
        task = asyncio.create_task(keep_typing())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run a (blocking) Assistant call in a worker thread so the event loop stays free."""
        return await asyncio.to_thread(fn, *args, **kwargs)

    @staticmethod
    def _chat_state(context: ContextTypes.DEFAULT_TYPE) -> dict[str, Any]:
        data = context.chat_data
        data.setdefault("answers", OrderedDict())
        data.setdefault("queries", OrderedDict())
        data.setdefault("votes", set())
        return data

    def _query_key(self, context: ContextTypes.DEFAULT_TYPE, query: str) -> str:
        key = secrets.token_hex(4)
        remember(self._chat_state(context)["queries"], key, query, REMEMBERED_QUERIES)
        return key

    def _answer_keyboard(self, context: ContextTypes.DEFAULT_TYPE, answer: Answer) -> InlineKeyboardMarkup:
        key = self._query_key(context, answer.resolved_question or answer.question)
        aid = answer.answer_id
        return InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton("Mehr Treffer", callback_data=f"more:{key}:1:new"),
                    InlineKeyboardButton("Quellen", callback_data=f"src:{aid}"[:64]),
                ],
                [
                    InlineKeyboardButton("👍 hilfreich", callback_data=f"fb:1:{aid}"[:64]),
                    InlineKeyboardButton("👎 nicht hilfreich", callback_data=f"fb:0:{aid}"[:64]),
                ],
            ]
        )

    async def _search_page(self, context: ContextTypes.DEFAULT_TYPE, key: str, query: str, page: int):
        result = await self._call(
            self.assistant.search, query, k=self.page_size, page=page, channel=CHANNEL if page == 1 else None
        )
        views = [
            SearchHitView(
                title=hit.document.title,
                doc_type=hit.document.doc_type,
                source_url=hit.document.metadata.source_url,
                stand=hit.document.metadata.stand,
                snippet=hit.passages[0].chunk.text if hit.passages else "",
                status=hit.document.metadata.status,
            )
            for hit in result.hits
        ]
        text = render_search(
            query, views, page=page, per_page=self.page_size, total=result.total_documents, uncertain=result.uncertain
        )
        buttons = []
        if page > 1:
            buttons.append(InlineKeyboardButton("◀ Zurück", callback_data=f"more:{key}:{page - 1}:edit"))
        if (page - 1) * self.page_size + len(result.hits) < result.total_documents:
            buttons.append(InlineKeyboardButton("Mehr Treffer ▶", callback_data=f"more:{key}:{page + 1}:edit"))
        return text, InlineKeyboardMarkup([buttons]) if buttons else None

    # --- commands ------------------------------------------------------------------

    @guarded
    async def start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._send(context, update.effective_chat.id, WELCOME)

    @guarded
    async def help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._send(context, update.effective_chat.id, HELP)

    @guarded
    async def search(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat_id = update.effective_chat.id
        query = " ".join(context.args or []).strip()
        if not query:
            await self._send(context, chat_id, "Wonach soll ich suchen? Zum Beispiel: <code>/suche STARK</code>")
            return
        async with self._typing(context, chat_id):
            key = self._query_key(context, query)
            text, keyboard = await self._search_page(context, key, query, 1)
        await self._send(context, chat_id, text, keyboard=keyboard, reply_to=update.effective_message)

    @guarded
    async def project(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        region = " ".join(context.args or []).strip() or None
        self._chat_state(context)["awaiting_project"] = {"region": region}
        hint = f"\n\nRegion: <b>{esc(region)}</b>" if region else ""
        await self._send(context, update.effective_chat.id, PROJECT_PROMPT.format(region=hint))

    @guarded
    async def new(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        state = self._chat_state(context)
        state.pop("awaiting_project", None)
        state.pop("last_answer", None)
        state["answers"].clear()
        state["queries"].clear()
        await self._call(self._forget_conversation, str(update.effective_chat.id))
        await self._send(
            context, update.effective_chat.id, "Alles klar, ich habe unser Gespräch vergessen. Was möchten Sie wissen?"
        )

    def _forget_conversation(self, conversation: str) -> None:
        self.assistant.conversations.drop(conversation)

    @guarded
    async def unknown_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._send(
            context, update.effective_chat.id, "Diesen Befehl kenne ich nicht. /hilfe zeigt, was ich kann."
        )

    @guarded
    async def not_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._send(
            context,
            update.effective_chat.id,
            "Ich verstehe nur Textnachrichten. Bitte schreiben Sie Ihre Frage als Text.",
        )

    @guarded
    async def sources(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        answer = self._chat_state(context).get("last_answer")
        await self._send(context, update.effective_chat.id, render_sources(answer))

    # --- questions and project descriptions -------------------------------------------

    @guarded
    async def text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        chat_id = update.effective_chat.id
        question = strip_mention(message.text or "", context.bot.username)
        state = self._chat_state(context)
        if not question:
            await self._send(context, chat_id, "Wie kann ich helfen? Stellen Sie mir einfach eine Frage.")
            return
        pending = state.pop("awaiting_project", None)
        async with self._typing(context, chat_id):
            answer: Answer | None = None
            if pending is not None:
                check = await self._call(self.assistant.check_project, question, pending.get("region"), channel=CHANNEL)
                text = render_project_check(check)
            else:
                answer = await self._call(self.assistant.ask, question, conversation=str(chat_id), channel=CHANNEL)
                text = render_answer(answer)
        keyboard = None
        if answer is not None:
            state["last_answer"] = answer
            remember(state["answers"], answer.answer_id, answer, REMEMBERED_ANSWERS)
            keyboard = self._answer_keyboard(context, answer)
        await self._send(context, chat_id, text, keyboard=keyboard, reply_to=message)

    # --- buttons -------------------------------------------------------------------

    @guarded
    async def button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        data = query.data or ""
        state = self._chat_state(context)
        chat_id = update.effective_chat.id
        kind, _, rest = data.partition(":")
        if kind == "fb":
            flag, _, answer_id = rest.partition(":")
            vote = (answer_id, update.effective_user.id if update.effective_user else 0)
            if vote in state["votes"]:
                await query.answer("Ihre Bewertung haben wir schon – danke!")
                return
            try:
                await self._call(self.assistant.feedback, answer_id, flag == "1", channel=CHANNEL)
            except AnswerNotFound:  # a button of an answer this service no longer knows
                await query.answer(EXPIRED, show_alert=True)
                return
            state["votes"].add(vote)
            await query.answer(
                "Danke für Ihre Rückmeldung!" if flag == "1" else "Danke! Das hilft uns, besser zu werden."
            )
        elif kind == "src":
            answer = state["answers"].get(rest)
            if answer is None:
                await query.answer(EXPIRED, show_alert=True)
                return
            await query.answer()
            await self._send(context, chat_id, render_sources(answer))
        elif kind == "more":
            key, page_s, how = (rest.split(":") + ["", "", ""])[:3]
            search_query = state["queries"].get(key)
            if search_query is None or not page_s.isdigit():
                await query.answer(EXPIRED, show_alert=True)
                return
            await query.answer()
            page = max(1, int(page_s))
            async with self._typing(context, chat_id):
                text, keyboard = await self._search_page(context, key, search_query, page)
            if how == "edit" and query.message is not None and len(text) <= 4096:
                try:
                    await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=keyboard)
                except BadRequest as exc:  # the same button pressed twice: nothing to change
                    if "not modified" not in str(exc).lower():
                        raise
            else:
                await self._send(context, chat_id, text, keyboard=keyboard)
        else:
            await query.answer(EXPIRED)

    # --- errors outside the handlers ---------------------------------------------------

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        log.error(
            "error outside a handler (chat_id=%s, update=%s)",
            chat.id if chat else None,
            update_kind(update),
            exc_info=context.error,
        )
        if chat is not None:
            with contextlib.suppress(Exception):
                await context.bot.send_message(chat.id, esc(APOLOGY), parse_mode=ParseMode.HTML)
