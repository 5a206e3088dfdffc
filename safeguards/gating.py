"""Gated-access forms, as on the Hub: the approval mode, a prompt, and custom fields the
requester fills (text, checkbox, select, country, date).

The Hub keeps the form in the card's metadata (`gated`, `extra_gated_prompt`,
`extra_gated_fields`, `extra_gated_button_content`); an owner or a moderator may also set
one from the artifact page (event `access.form_set`), which then replaces the card's.
Owners write fields one per line as "Label: type[: option, option]", the same vocabulary
as the card's. Answers are validated here, on the server, whatever client sent them.
"""

from __future__ import annotations

import gettext
import json
import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import cache
from typing import Any

import pycountry

from safeguards.errors import InvalidInput
from safeguards.i18n import Term, tr
from safeguards.textrules import clean_text

MAX_FIELDS = 10
MAX_LABEL = 80
MAX_OPTIONS = 20
MAX_OPTION = 80
MAX_ANSWER = 300  # one text answer
TICKED = "yes"  # a ticked checkbox, as stored
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class Approval(StrEnum):
    AUTO = "auto"  # approved at once, recorded as decided by the system
    MANUAL = "manual"  # the owner or a moderator decides


class FieldType(StrEnum):
    """The Hub's field types (`extra_gated_fields` values)."""

    TEXT = "text"
    CHECKBOX = "checkbox"
    SELECT = "select"
    COUNTRY = "country"
    DATE = "date_picker"


# What an owner may type for each type ("date" reads better than the Hub's name).
_TYPE_WORDS: dict[str, FieldType] = {t.value: t for t in FieldType} | {"date": FieldType.DATE}


@dataclass(frozen=True)
class GateField:
    label: str
    type: FieldType
    options: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {"label": self.label, "type": self.type.value}
        if self.options:
            found["options"] = list(self.options)
        return found


@dataclass(frozen=True)
class GateForm:
    """What a requester is asked. `source`: "set" (from the page) or "card"."""

    approval: Approval = Approval.MANUAL
    prompt: str = ""
    fields: tuple[GateField, ...] = ()
    button: str = ""  # the card's `extra_gated_button_content` ("" : the usual label)
    source: str = "card"


# -- the card's metadata -----------------------------------------------------------------


def form_from_card(metadata: dict[str, Any]) -> GateForm | None:
    """The Hub's gating metadata as a form, or None when the card has none. Lenient, as a
    card is someone else's text: an unknown type (e.g. the Hub's `ip_location`, filled
    by the Hub itself) or a malformed field is left out, and the caps apply."""
    keys = ("gated", "extra_gated_prompt", "extra_gated_fields", "extra_gated_button_content")
    if not any(k in metadata for k in keys):
        return None
    approval = Approval.AUTO if metadata.get("gated") == "auto" else Approval.MANUAL
    prompt = _card_text(metadata.get("extra_gated_prompt"), 1000)
    button = _card_text(metadata.get("extra_gated_button_content"), 40)
    fields: list[GateField] = []
    raw = metadata.get("extra_gated_fields")
    for label, spec in raw.items() if isinstance(raw, dict) else ():
        found = _card_field(label, spec)
        if found is not None and found.label not in {f.label for f in fields}:
            fields.append(found)
    return GateForm(approval, prompt, tuple(fields[:MAX_FIELDS]), button, "card")


def _card_text(value: object, limit: int) -> str:
    return " ".join(value.split())[:limit] if isinstance(value, str) else ""


def _card_field(label: object, spec: object) -> GateField | None:
    if not isinstance(label, str) or not label.strip():
        return None
    label = " ".join(label.split())[:MAX_LABEL]
    options: list[str] = []
    if isinstance(spec, dict):
        type_word = spec.get("type")
        for option in spec.get("options") or ():
            # The Hub accepts plain options and {label, value} ones.
            text = option.get("label") if isinstance(option, dict) else option
            if isinstance(text, str | int | float) and str(text).strip():
                options.append(" ".join(str(text).split())[:MAX_OPTION])
    else:
        type_word = spec
    kind = _TYPE_WORDS.get(type_word) if isinstance(type_word, str) else None
    if kind is None or (kind is FieldType.SELECT and len(set(options)) < 2):
        return None
    kept = tuple(dict.fromkeys(options))[:MAX_OPTIONS] if kind is FieldType.SELECT else ()
    return GateField(label, kind, kept)


# -- the owner's form ---------------------------------------------------------------------


def parse_fields(text: object) -> tuple[GateField, ...]:
    """Fields written one per line as "Label: type[: option, option]". The type is the
    last word on the line that names one (before any options), so a label may hold a
    colon: "By ticking I accept the terms: checkbox"."""
    if text is None:
        text = ""
    if not isinstance(text, str):
        raise InvalidInput("err.not_text", field=Term("field.gate_fields"))
    lines = [line.strip() for line in text.replace("\r", "\n").split("\n")]
    fields: list[GateField] = []
    for number, line in enumerate((x for x in lines if x), start=1):
        if number > MAX_FIELDS:
            raise InvalidInput("err.form_too_many", limit=MAX_FIELDS)
        found = _parse_line(line, number)
        if found.label.casefold() in {f.label.casefold() for f in fields}:
            raise InvalidInput("err.form_duplicate", line=number)
        fields.append(found)
    return tuple(fields)


def _parse_line(line: str, number: int) -> GateField:
    parts = line.split(":")
    for at in range(len(parts) - 1, 0, -1):
        kind = _TYPE_WORDS.get(parts[at].strip().lower())
        if kind is not None:
            label = " ".join(":".join(parts[:at]).split())
            rest = ":".join(parts[at + 1 :]) if at + 1 < len(parts) else None
            return _checked_field(label, kind, rest, number)
    raise InvalidInput("err.form_no_type", line=number)


def _checked_field(label: str, kind: FieldType, rest: str | None, number: int) -> GateField:
    if not label or len(label) > MAX_LABEL or _has_control(label):
        raise InvalidInput("err.form_label", line=number, limit=MAX_LABEL)
    if kind is not FieldType.SELECT:
        if rest is not None and rest.strip():
            raise InvalidInput("err.form_extra", line=number)
        return GateField(label, kind)
    options = [" ".join(o.split()) for o in (rest or "").split(",")]
    options = list(dict.fromkeys(o for o in options if o))
    bad = any(len(o) > MAX_OPTION or _has_control(o) for o in options)
    if bad or not 2 <= len(options) <= MAX_OPTIONS:
        raise InvalidInput("err.form_options", line=number, limit=MAX_OPTIONS)
    return GateField(label, kind, tuple(options))


def fields_text(fields: tuple[GateField, ...]) -> str:
    """The fields as the owner writes them (the editor shows the form in force)."""
    lines = []
    for f in fields:
        word = "date" if f.type is FieldType.DATE else f.type.value
        tail = f": {', '.join(f.options)}" if f.options else ""
        lines.append(f"{f.label}: {word}{tail}")
    return "\n".join(lines)


def clean_form(approval: object, prompt: object, fields: object) -> GateForm:
    """The owner's form, checked: the mode, a prompt (at most 1,000 characters) and the
    fields, written as `parse_fields` reads them."""
    if approval not in (Approval.AUTO.value, Approval.MANUAL.value):
        raise InvalidInput("err.gate_mode")
    text = clean_text(prompt, "gate_prompt", required=False)
    return GateForm(Approval(approval), text, parse_fields(fields), "", "set")


def fields_from_json(raw: object) -> list[GateField]:
    """Fields as the event log and the state keep them ([{label, type, options}])."""
    found = []
    for item in raw if isinstance(raw, list | tuple) else ():
        if isinstance(item, dict) and item.get("type") in _TYPE_WORDS:
            options = tuple(str(o) for o in item.get("options") or ())
            found.append(GateField(str(item.get("label", "")), _TYPE_WORDS[item["type"]], options))
    return found


# -- the requester's answers ------------------------------------------------------------


def clean_answers(form: GateForm | None, answers: object) -> dict[str, str]:
    """The answers to the form's fields, keyed by label, every field required (as on the
    Hub: a checkbox is an agreement, so it must be ticked, and is stored as "yes"). A JSON
    object given as text is read too (API callers). Every stored answer is a string, so a
    label used for a checkbox on one artifact and for text on another never gives the log's
    `payload.answers` two types when researchers load it as a dataset."""
    if answers in (None, ""):
        answers = {}
    if isinstance(answers, str):
        try:
            answers = json.loads(answers)
        except ValueError:
            raise InvalidInput("err.answers_object") from None
    if not isinstance(answers, dict):
        raise InvalidInput("err.answers_object")
    fields = form.fields if form is not None else ()
    labels = {f.label for f in fields}
    if any(key not in labels for key in answers):
        raise InvalidInput("err.answers_unknown")
    return {
        f.label: _answer(f, answers.get(f.label), number)
        for number, f in enumerate(fields, start=1)
    }


def _answer(field: GateField, value: object, number: int) -> str:
    if field.type is FieldType.CHECKBOX:
        if value is not True:
            raise InvalidInput("err.answer_tick", n=number)
        return TICKED
    if value is None or (isinstance(value, str) and not value.strip()):
        raise InvalidInput("err.answer_required", n=number)
    if not isinstance(value, str):
        raise InvalidInput("err.answer_text", n=number)
    text = " ".join(value.split())
    if field.type is FieldType.SELECT and text not in field.options:
        raise InvalidInput("err.answer_choice", n=number)
    if field.type is FieldType.COUNTRY:
        return _country_code(text, number)
    if field.type is FieldType.DATE:
        return _date(text, number)
    if len(text) > MAX_ANSWER or _has_control(text):
        raise InvalidInput("err.answer_long", n=number, limit=MAX_ANSWER)
    return text


def _country_code(text: str, number: int) -> str:
    """An ISO 3166-1 alpha-2 code (what is stored), from the code or the English name."""
    code = text.upper() if len(text) == 2 else _codes_by_name().get(text.casefold())
    if code is None or code not in _names():
        raise InvalidInput("err.answer_country", n=number)
    return code


def _date(text: str, number: int) -> str:
    try:
        if not _DATE.match(text):
            raise ValueError(text)
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise InvalidInput("err.answer_date", n=number) from None


def _has_control(text: str) -> bool:
    return any(ord(c) < 32 or 127 <= ord(c) < 160 for c in text)


# -- countries (pycountry: ISO 3166-1 from Debian's iso-codes, with translations) -------


@cache
def _names() -> dict[str, str]:
    """Alpha-2 code -> English name (the common name where ISO's is long)."""
    return {c.alpha_2: getattr(c, "common_name", None) or c.name for c in pycountry.countries}


@cache
def _codes_by_name() -> dict[str, str]:
    found = {c.name.casefold(): c.alpha_2 for c in pycountry.countries}
    found.update({name.casefold(): code for code, name in _names().items()})
    return found


@cache
def _translation(language: str) -> gettext.NullTranslations:
    if language != "zh-CN":
        return gettext.NullTranslations()
    return gettext.translation(
        "iso3166-1", pycountry.LOCALES_DIR, languages=["zh_CN"], fallback=True
    )


def country_name(code: str, language: str = "en") -> str:
    """A stored country code as a name in `language` (the code itself if unknown)."""
    name = _names().get(code)
    return _translation(language).gettext(name) if name else code


@cache
def country_choices(language: str) -> tuple[tuple[str, str], ...]:
    """(name in `language`, code) for a dropdown, sorted by name."""
    pairs = ((country_name(code, language), code) for code in _names())
    return tuple(sorted(pairs))


def answer_text(field_type: FieldType | None, value: str, language: str = "en") -> str:
    """An answer as a reviewer reads it (a ticked box, a country's name)."""
    if field_type is FieldType.CHECKBOX and value == TICKED:
        return tr("gate.ticked", language)
    if field_type is FieldType.COUNTRY:
        return f"{country_name(value, language)} ({value})"
    return value
