"""German for the command line's own words: typer's help and error texts.

Our commands speak German, but typer adds English around them ("Show this message and
exit.", "Usage:", "Missing argument 'query'.", "[default: 5]"), marks every option with
its Python type ("<bool>", "<list[str]>") and reports bad values with pydantic's English
("Input should be greater than or equal to 1").  typer 0.29 ships its own copy of
click (``typer._click``) whose texts are plain f-strings, not gettext messages, so
there is no catalogue to install; ``install`` changes the few places they come from:

* typer's own gettext names (``_``/``ngettext`` in ``typer.*``, e.g. "Options",
  "[default: {}]") point at ``MESSAGES``;
* the help option's text and the usage prefix are set in German;
* usage errors are printed by ``show_error``: "Fehler: …" with the message translated
  by the patterns in ``ERRORS`` and a German hint where help is;
* the type markers become German placeholders (``<Zahl>``, ``<Text>``), flags get none;
* pydantic's messages go through the wording the HTTP door uses (``doors/validation_de.py``).

typer is pinned (pyproject.toml); ``tests/doors/cli/test_german.py`` runs every
command's help and typical mistakes and fails on English left in the output.
"""

from __future__ import annotations

import gettext
import re
import sys
from typing import IO, Any, get_args

import typer.core
from typer import _click
from typer._click import exceptions as click_exceptions
from typer._click import formatting as click_formatting
from typer._click.utils import echo

from assistant.doors.validation_de import problem

HELP_TEXT = "Diese Hilfe anzeigen und beenden."
USAGE_PREFIX = "Aufruf: "

# The messages of usage errors (plain f-strings in typer's click), most specific first.
ERRORS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^Missing argument (.+)\.$"), r"Das Argument \1 fehlt."),
    (re.compile(r"^Missing option (.+)\.$"), r"Die Option \1 fehlt."),
    (re.compile(r"^Missing (?:parameter|argument|option)\.?$"), "Eine Angabe fehlt."),
    (re.compile(r"^No such option: (\S+)(?: \(Possible options: (.+)\))?$"),
     lambda m: f"Die Option {m[1]} gibt es nicht." + (f" Meinten Sie: {m[2]}?" if m[2] else "")),
    (re.compile(r"^Invalid value for (.+?): (.+)$"), r"Ungültiger Wert für \1: \2"),
    (re.compile(r"^Invalid value: (.+)$"), r"Ungültiger Wert: \1"),
    (re.compile(r"^Got unexpected extra argument(?:s|\(s\))? \((.+)\)$"),
     r"Zu viele Argumente: \1 (Text mit Leerzeichen in Anführungszeichen setzen)."),
    (re.compile(r"^Option '(.+)' does not take a value\.$"), r"Die Option '\1' nimmt keinen Wert."),
    (re.compile(r"^Option '(.+)' requires (?:an argument|(\d+) arguments)\.$"),
     lambda m: f"Die Option '{m[1]}' braucht {'einen Wert' if not m[2] else m[2] + ' Werte'}."),
    (re.compile(r"^Value (.+) is not a valid (\w+)\.$"), r"\1 ist kein gültiger Wert."),
    (re.compile(r"^(.+) is not one of (.+)\.$"), r"\1 ist keiner der Werte \2."),
    (re.compile(r"^Missing command\.$"), "Ein Befehl fehlt."),
    (re.compile(r"^(.*?)\.? Did you mean (.+)\?$"), lambda m: f"{m[1]}. Meinten Sie {_or(m[2])}?"),
]


def _or(choices: str) -> str:
    """"'a', 'b', 'c'" → "'a', 'b' oder 'c'"."""
    head, _, last = choices.rpartition(", ")
    return f"{head} oder {last}" if head else last

MESSAGES = {
    "Show this message and exit.": "Diese Hilfe anzeigen und beenden.",
    "Usage:": "Aufruf:",
    "Options": "Optionen",
    "Arguments": "Argumente",
    "Commands": "Befehle",
    "Positional arguments": "Argumente",
    "Error": "Fehler",
    "Error: {message}": "Fehler: {message}",
    "Aborted!": "Abgebrochen.",
    "Aborted.": "Abgebrochen.",
    "Missing argument": "Argument fehlt",
    "Missing option": "Option fehlt",
    "Missing parameter": "Angabe fehlt",
    "Missing parameter: {param_name}": "Angabe fehlt: {param_name}",
    "Missing {param_type}": "{param_type} fehlt",
    "Missing command.": "Befehl fehlt.",
    "No such command {name!r}.": "Den Befehl {name!r} gibt es nicht.",
    "No such option {name!r}.": "Die Option {name!r} gibt es nicht.",
    "Option {name!r} does not take a value.": "Die Option {name!r} nimmt keinen Wert.",
    "Argument {name!r} takes {nargs} values.": "Das Argument {name!r} nimmt {nargs} Werte.",
    "Invalid value for {param_hint}: {message}": "Ungültiger Wert für {param_hint}: {message}",
    "Invalid value: {message}": "Ungültiger Wert: {message}",
    "Try '{command} {option}' for help.": "Hilfe: '{command} {option}'.",
    "Try [blue]'{command_path} {help_option}'[/] for help.": "Hilfe: [blue]'{command_path} {help_option}'[/].",
    "[default: {}]": "[Standard: {}]",
    "default: {default}": "Standard: {default}",
    "[env var: {}]": "[Umgebungsvariable: {}]",
    "env var: {var}": "Umgebungsvariable: {var}",
    "[required]": "[Pflicht]",
    "required": "Pflicht",
    "(deprecated) ": "(veraltet) ",
    "deprecated": "veraltet",
    "(dynamic)": "(dynamisch)",
    "file": "Datei",
    "directory": "Ordner",
    "path": "Pfad",
    "{name} {filename!r} does not exist.": "{name} {filename!r} gibt es nicht.",
    "{name} {filename!r} is a file.": "{name} {filename!r} ist eine Datei.",
    "{name} {filename!r} is a directory.": "{name} {filename!r} ist ein Ordner.",
    "{name} {filename!r} is not readable.": "{name} {filename!r} ist nicht lesbar.",
    "{name} {filename!r} is not writable.": "{name} {filename!r} ist nicht beschreibbar.",
    "Could not open file {filename!r}: {message}": "Die Datei {filename!r} lässt sich nicht öffnen: {message}",
    "{value!r} is not a valid {number_type}.": "{value!r} ist keine gültige Zahl.",
    "{value} is not in the range {range}.": "{value} liegt nicht im Bereich {range}.",
    "{value!r} is not a valid boolean. Recognized values: {states}":
        "{value!r} ist kein Wahrheitswert. Möglich: {states}",
    "Choose from:\n\t{choices}": "Möglich sind:\n\t{choices}",
    "unknown error": "unbekannter Fehler",
}

PLURALS = {
    "Got unexpected extra argument ({args})": ("Unerwartetes zusätzliches Argument ({args})",
                                               "Unerwartete zusätzliche Argumente ({args})"),
    "Option {name!r} requires an argument.": ("Die Option {name!r} braucht einen Wert.",
                                              "Die Option {name!r} braucht {nargs} Werte."),
    "Did you mean {possibility}?": ("Meinten Sie {possibility}?", "(Meinten Sie eins von: {possibilities}?)"),
    "{value!r} is not {choice}.": ("{value!r} ist nicht {choice}.", "{value!r} ist keins von {choices}."),
    "Takes {nargs} values but 1 was given.": ("Braucht {nargs} Werte, angegeben wurde 1.",
                                              "Braucht {nargs} Werte, angegeben wurden {len}."),
}

# Placeholders for option values (typer would print Python types); flags (bool) get none.
_PLACEHOLDERS = {"int": "<Zahl>", "float": "<Zahl>", "str": "<Text>", "Path": "<Pfad>", "path": "<Pfad>",
                 "file": "<Datei>", "directory": "<Ordner>", "datetime": "<Datum>"}


def german(message: str) -> str:
    return MESSAGES.get(message, message)


def german_plural(singular: str, plural: str, n: int) -> str:
    forms = PLURALS.get(singular)
    if forms is None:
        return singular if n == 1 else plural
    return forms[0] if n == 1 else forms[1]


def _display_type(self: Any, ctx: _click.Context) -> str | None:
    """``<Zahl>``, ``<Text>``, ``<Pfad>`` (with "…" when repeatable); none for flags."""
    desc = self.type_descriptor
    if getattr(self, "is_flag", False) or desc.annotation is bool:
        return None
    if desc.is_choice:
        return "<" + "|".join(str(getattr(c, "value", c)) for c in desc.choices or ()) + ">"
    name = desc.path_type if desc.is_path else "datetime" if desc.is_datetime else None
    annotation = get_args(desc.annotation)[0] if desc.is_list else desc.annotation
    name = name or ("int" if desc.is_ranged else getattr(annotation, "__name__", "str"))
    return _PLACEHOLDERS.get(name, "<Wert>") + ("…" if desc.is_list else "")


def _error_message(exc: Any) -> str:
    """The first pydantic error of an option value, in German."""
    errors = exc.errors()
    return f"Der Wert {problem(errors[0])}." if errors else str(exc)


def translate_error(message: str) -> str:
    """A usage error's English message in German (unknown ones pass unchanged)."""
    for pattern, german_text in ERRORS:
        match = pattern.match(message)
        if match:
            return german_text(match) if callable(german_text) else match.expand(german_text)
    return message


def show_error(self: Any, file: IO[Any] | None = None) -> None:
    """Print a usage error: the usage line, where help is, then "Fehler: …"."""
    file = file or click_exceptions.get_text_stderr()
    ctx = getattr(self, "ctx", None)
    color = ctx.color if ctx is not None else None
    if ctx is not None:
        hint = ""
        if ctx.command.get_help_option(ctx) is not None:
            hint = f"Hilfe: '{ctx.command_path} {ctx.help_option_names[0]}'\n"
        echo(f"{ctx.get_usage()}\n{hint}", file=file, color=color)
    echo(f"Fehler: {translate_error(self.format_message())}", file=file, color=color)


def _write_usage(original: Any) -> Any:
    def write_usage(self: Any, prog: str, args: str = "", prefix: str | None = None) -> None:
        original(self, prog, args, USAGE_PREFIX if prefix is None else prefix)

    return write_usage


def _help_option(original: Any) -> Any:
    def get_help_option(self: Any, ctx: Any) -> Any:
        option = original(self, ctx)
        if option is not None:
            option.help = HELP_TEXT
        return option

    return get_help_option


def install() -> None:
    """Switch typer's texts to German (idempotent; called when the CLI is imported)."""
    if getattr(typer.core, "_revierlotse_german", False):
        return
    for name, module in list(sys.modules.items()):
        if module is None or not name.startswith("typer"):
            continue
        if getattr(module, "_", None) is gettext.gettext:
            module._ = german  # type: ignore[attr-defined]
        if getattr(module, "ngettext", None) is gettext.ngettext:
            module.ngettext = german_plural  # type: ignore[attr-defined]
        if hasattr(module, "get_error_msg"):
            module.get_error_msg = _error_message  # type: ignore[attr-defined]
    typer.core._TyperParameter.display_type = _display_type  # type: ignore[method-assign]
    click_exceptions.UsageError.show = show_error  # type: ignore[method-assign]
    formatter = click_formatting.HelpFormatter
    formatter.write_usage = _write_usage(formatter.write_usage)  # type: ignore[method-assign]
    _click.core.Command.get_help_option = _help_option(_click.core.Command.get_help_option)  # type: ignore[method-assign]
    typer.core._revierlotse_german = True  # type: ignore[attr-defined]
