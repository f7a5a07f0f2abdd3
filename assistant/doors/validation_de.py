"""Pydantic's validation errors in German, for every door that validates input with it.

The HTTP door validates requests with FastAPI (pydantic), the command line its options
with typer (pydantic too); both would otherwise show "Input should be greater than or
equal to 1" to German staff.
"""

from __future__ import annotations


def problem(error: dict) -> str:
    """One pydantic error (an item of ``ValidationError.errors()``) as a German predicate: "muss … sein"."""
    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    if kind == "missing":
        return "fehlt"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return "muss eine ganze Zahl sein"
    if kind in ("float_parsing", "float_type"):
        return "muss eine Zahl sein"
    if kind in ("bool_parsing", "bool_type"):
        return "muss true oder false sein"
    if kind.startswith("date") or kind.startswith("datetime"):
        return "muss ein Datum im Format JJJJ-MM-TT sein"
    if kind in ("greater_than_equal", "greater_than"):
        return f"muss mindestens {ctx.get('ge', ctx.get('gt'))} sein"
    if kind in ("less_than_equal", "less_than"):
        return f"darf höchstens {ctx.get('le', ctx.get('lt'))} sein"
    if kind == "string_too_long":
        return f"darf höchstens {ctx.get('max_length')} Zeichen lang sein"
    if kind == "string_too_short":
        return f"muss mindestens {ctx.get('min_length')} Zeichen lang sein"
    if kind == "too_long":
        return f"darf höchstens {ctx.get('max_length')} Einträge haben"
    if kind in ("string_type", "string_sub_type"):
        return "muss Text sein"
    if kind == "string_unicode":  # a lone UTF-16 surrogate such as "\ud800" in a JSON string
        return "enthält ein ungültiges Zeichen (ein einzelnes UTF-16-Ersatzzeichen wie \\ud800, das kein Text ist)"
    if kind in ("list_type",):
        return "muss eine Liste sein"
    if kind in ("model_attributes_type", "dict_type", "model_type"):
        return "muss ein JSON-Objekt sein"
    if kind == "literal_error":
        return f"muss einer dieser Werte sein: {ctx.get('expected')}"
    if kind == "extra_forbidden":
        return "ist unbekannt (Tippfehler?)"
    if kind == "json_invalid":
        return "ist kein gültiges JSON"
    return "ist ungültig"
