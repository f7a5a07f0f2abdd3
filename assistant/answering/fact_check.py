"""Checks of a generated (LLM) answer against the passages the model was given.

Why: a model may echo its prompt, run on for megabytes, invent a hotline, or obey an
instruction planted in a document (issue #19).  Sponsors act on what the answer
says, so a generated answer is only shown when

* it is shorter than ``MAX_REPLY_CHARS`` and does not repeat the prompt;
* every sentence cites a source it was given ([n]); sentences without one are dropped,
  and when that leaves less than half of the answer the extractive one is shown;
* every amount, percentage, number, date, phone number, e-mail address, IBAN and web
  address in a sentence appears in a passage that sentence cites — not counting
  sentences of the passage that give orders to a model (text/injection.py).

Anything else falls back to the extractive answer with a German ``reason``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.answering.citations import CITATION, cited_numbers, expand_multi
from assistant.answering.models import Source
from assistant.domain import vocabulary
from assistant.text.facts import fact_tokens
from assistant.text.injection import without_instructions
from assistant.text.sentences import split_sentences

MAX_REPLY_CHARS = 2500  # the prompt asks for at most five sentences; ~600 characters are usual
MIN_ECHO_CHARS = 40  # an instruction sentence at least this long found in the reply is an echo
_FALLBACK = "; deshalb wird die aus den Quellen zitierte Antwort gezeigt."

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_PHONE = re.compile(r"(?<![\w.,])\+?\(?\d[\d /()-]{5,}\d(?![\w.,]\d)")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){2,7}(?:\s?[A-Z0-9]{1,4})?\b")
_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>()\"']+", re.IGNORECASE)
_NUMBER_WORDS = {str(k).lower(): str(v) for k, v in vocabulary.load("fact_check.yaml")["number_words"].items()}
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass
class CheckResult:
    text: str  # the reply without dropped sentences (citations still in the model's numbering)
    reason: str | None = None  # German; set when the extractive answer must be shown instead
    dropped: list[str] = field(default_factory=list)


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _facts(text: str) -> dict[str, str]:
    """Normalised fact → how it is written in ``text`` (for the message)."""
    text = CITATION.sub(" ", expand_multi(text))
    found: dict[str, str] = {}
    for m in _EMAIL.finditer(text):
        found["mail:" + m.group().lower().rstrip(".")] = m.group().rstrip(".")
    for m in _URL.finditer(text):
        found["url:" + re.sub(r"^(https?://)?(www\.)?", "", m.group().lower()).rstrip("/.,;")] = m.group()
    for m in _IBAN.finditer(text):
        found["iban:" + m.group().replace(" ", "")] = m.group()
    without = _EMAIL.sub(" ", _URL.sub(" ", _IBAN.sub(" ", text)))
    for m in _PHONE.finditer(without):
        if len(_digits(m.group())) >= 6:
            found["tel:" + _digits(m.group()).lstrip("0")] = m.group().strip()
    without = _PHONE.sub(lambda m: " " if len(_digits(m.group())) >= 6 else m.group(), without)
    tokens = fact_tokens(without)
    # Rich facts first ("90%", "14mrd", "2026-12-31"), so a message names "90 Prozent" rather than "90".
    for token in sorted(tokens, key=lambda t: (t.replace(".", "").isdigit(), t)):
        found.setdefault("fact:" + token, _shown(token, without))
    return found


def _shown(token: str, text: str) -> str:
    """A readable form of a fact token for the German message."""
    if token.endswith("%"):
        return token[:-1].replace(".", ",") + " Prozent"
    return token


def _evidence(passages: list[str]) -> set[str]:
    """Fact keys of the passages, without their sentences that give orders to a model."""
    keys: set[str] = set()
    for passage in passages:
        trusted = without_instructions(passage, " ")
        keys.update(_facts(trusted))
        keys.update("fact:" + _NUMBER_WORDS[w.lower()] for w in _WORD.findall(trusted) if w.lower() in _NUMBER_WORDS)
    return keys


def _supported(key: str, evidence: set[str]) -> bool:
    if key in evidence:
        return True
    if key.startswith("tel:"):  # "+49 355 …" and "0355 …" are one number
        phones = [e[4:] for e in evidence if e.startswith("tel:")]
        return any(p.endswith(key[4:]) or key[4:].endswith(p) for p in phones if min(len(p), len(key) - 4) >= 6)
    return False


def echoes_prompt(reply: str, messages: list[dict[str, str]]) -> bool:
    """Whether the reply repeats the instructions or the framing of the prompt."""
    flat = " ".join(reply.split())
    if "<quelle" in flat.lower() or "</quelle>" in flat.lower():
        return True
    for message in messages:
        if message["role"] == "system" or message is messages[-1]:
            for sentence in split_sentences(" ".join(_instructions_only(message["content"]).split())):
                if len(sentence) >= MIN_ECHO_CHARS and sentence in flat:
                    return True
    return False


def _instructions_only(content: str) -> str:
    """The prompt text outside the <quelle> blocks (sources may be quoted, instructions not)."""
    return re.sub(r"<quelle\b.*?</quelle>", " ", content, flags=re.DOTALL | re.IGNORECASE)


def check_generated(reply: str, given: list[Source], messages: list[dict[str, str]]) -> CheckResult:
    """Check ``reply`` against the sources it was given (numbered as the model saw them)."""
    if echoes_prompt(reply, messages):
        return CheckResult(reply, "Das Sprachmodell hat seine Anweisungen bzw. die Quellen wiedergegeben, "
                                  f"statt die Frage zu beantworten{_FALLBACK}")
    if len(reply) > MAX_REPLY_CHARS:
        return CheckResult(reply, f"Die Antwort des Sprachmodells war mit {len(reply)} Zeichen zu lang "
                                  f"(höchstens {MAX_REPLY_CHARS}){_FALLBACK}")
    passages = {s.number: s.passage for s in given}
    kept: list[str] = []
    dropped: list[str] = []
    for sentence in split_sentences(reply.strip()):
        numbers = [n for n in cited_numbers(sentence) if n in passages]
        if not numbers:
            dropped.append(sentence)
            continue
        evidence = _evidence([passages[n] for n in numbers])
        for key, shown in _facts(sentence).items():
            if _supported(key, evidence):
                continue
            cited = ", ".join(f"[{n}]" for n in numbers)
            return CheckResult(reply, f"Die Antwort des Sprachmodells nennt „{shown}“, das in der zitierten "
                                      f"Quelle {cited} nicht steht{_FALLBACK}")
        kept.append(sentence)
    if not kept:
        return CheckResult("", "Die Antwort des Sprachmodells enthielt keine gültige Quellenangabe" + _FALLBACK,
                           dropped)
    if len(dropped) > len(kept):
        return CheckResult(" ".join(kept), "Die Antwort des Sprachmodells bestand überwiegend aus Sätzen ohne "
                                           f"gültige Quellenangabe{_FALLBACK}", dropped)
    return CheckResult(" ".join(kept), None, dropped)
