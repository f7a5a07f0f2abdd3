"""Bytes → str for plain-text formats, refusing binary files instead of indexing garbage.

Order of attempts and why:

1. A byte-order mark decides (UTF-8-SIG, UTF-16 LE/BE): it is unambiguous.
2. Strict UTF-8: most files are UTF-8, and random bytes almost never decode as UTF-8.
3. cp1252 (a superset of Latin-1), when the bytes decode and read like Western text:
   mostly ASCII letters, digits and punctuation, and what is not ASCII mostly letters
   (ä ö ü ß é …) or common symbols (€ „ “ – § °).  German legacy files are cp1252 or
   Latin-1, and this needs no statistics, so a 67-byte file is judged like a 5 KB one
   (charset-normalizer called "Übersicht" Korean Johab and refused one short Latin-1
   file in eight, issue #19).
4. charset-normalizer, accepted only for single-byte code pages or UTF-16 with a
   low "chaos" score.  When it names any single-byte Latin code page we decode as
   cp1252 if that works: for German text cp1250/latin-1/cp1252 agree on ä ö ü ß,
   and cp1252 is what German Windows editors write (detectors often say cp1250
   for short German samples, which would turn "à" into "ŕ").

Whatever we decode must be mostly printable; NUL-heavy or control-heavy content is
a binary file with a wrong name and gets a :class:`TextEncodingError`.
"""

from __future__ import annotations

import codecs
import unicodedata

from assistant.errors import TextEncodingError

_SINGLE_BYTE_PREFIXES = ("cp12", "iso8859", "latin", "mac_", "cp8", "cp437", "ascii", "kz1048", "hp_roman")
_UTF16 = ("utf_16", "utf_16_le", "utf_16_be")
MIN_PRINTABLE_SHARE = 0.97
MAX_CHAOS = 0.2
MIN_ASCII_SHARE = 0.6  # of all characters: ASCII letters, digits, whitespace, punctuation
MIN_NON_ASCII_LETTER_SHARE = 0.8  # of the non-ASCII characters: letters or common symbols
_COMMON_SYMBOLS = frozenset("€„“”‚‘’–—…§°²³µ½¼¾·×«»©®™•¹")
_ASCII_PUNCT = frozenset(".,;:!?-()[]'\"/&%+*=#@_<>$")


def _printable_share(text: str) -> float:
    if not text:
        return 1.0
    # Format characters (Unicode Cf: zero-width joiners in emoji, bidi marks, soft hyphens) are
    # not "printable" but belong to real text; counting them as binary refused RTL and emoji text.
    good = sum(1 for ch in text if ch.isprintable() or ch in "\n\r\t\f" or unicodedata.category(ch) == "Cf")
    return good / len(text)


def _not_text(file_name: str) -> TextEncodingError:
    return TextEncodingError(
        f"„{file_name}“ ist keine Textdatei (Binärdaten oder unbekannte Zeichenkodierung). "
        "Bitte die Datei als UTF-8-Text speichern oder im Originalformat (PDF, DOCX, HTML) hochladen."
    )


def _checked(text: str, file_name: str) -> str:
    if "\x00" in text or _printable_share(text) < MIN_PRINTABLE_SHARE:
        raise _not_text(file_name)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _reads_like_western_text(text: str) -> bool:
    """Plausibility of a cp1252 decoding, independent of the length of the text."""
    if not text or _printable_share(text) < MIN_PRINTABLE_SHARE:
        return False
    ascii_like = sum(1 for ch in text if ch.isascii() and (ch.isalnum() or ch.isspace() or ch in _ASCII_PUNCT))
    non_ascii = [ch for ch in text if not ch.isascii()]
    good = sum(1 for ch in non_ascii if ch.isalpha() or ch in _COMMON_SYMBOLS)
    return ascii_like / len(text) >= MIN_ASCII_SHARE and (
        not non_ascii or good / len(non_ascii) >= MIN_NON_ASCII_LETTER_SHARE
    )


def decode_text(data: bytes, file_name: str) -> tuple[str, str]:
    """Return (text, encoding name); raise TextEncodingError for binary or undecodable data."""
    if data.startswith(codecs.BOM_UTF8):
        try:
            return _checked(data[len(codecs.BOM_UTF8):].decode("utf-8"), file_name), "utf-8-sig"
        except UnicodeDecodeError:
            raise _not_text(file_name) from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return _checked(data.decode("utf-16"), file_name), "utf-16"
        except UnicodeDecodeError:
            raise _not_text(file_name) from None
    has_nul = b"\x00" in data
    if not has_nul:  # NUL bytes are valid UTF-8, but real UTF-8 text never has them
        try:
            return _checked(data.decode("utf-8"), file_name), "utf-8"
        except UnicodeDecodeError:
            pass

        try:
            candidate = data.decode("cp1252")
        except UnicodeDecodeError:
            candidate = ""
        if _reads_like_western_text(candidate):
            return _checked(candidate, file_name), "cp1252"

    from charset_normalizer import from_bytes  # lazy: only needed for legacy files

    best = from_bytes(data).best()
    if best is None or best.chaos > MAX_CHAOS:
        raise _not_text(file_name)
    encoding = best.encoding.lower()
    if encoding in _UTF16:
        return _checked(str(best), file_name), encoding
    if encoding.startswith(_SINGLE_BYTE_PREFIXES) and not has_nul:
        try:
            return _checked(data.decode("cp1252"), file_name), "cp1252"
        except UnicodeDecodeError:
            return _checked(str(best), file_name), encoding
    raise _not_text(file_name)
