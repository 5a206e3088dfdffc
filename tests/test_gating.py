"""Gated-access forms, as on the Hub: the card's extra_gated_* metadata, the owner's form
set from the page, automatic approval, and the requester's answers checked on the server."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import MODERATOR, OWNER

from safeguards.cards import with_metadata_defaults
from safeguards.config import Settings
from safeguards.errors import Conflict, InvalidInput, PermissionDenied
from safeguards.eventlog import read_events
from safeguards.gating import (
    MAX_FIELDS,
    Approval,
    FieldType,
    GateField,
    GateForm,
    clean_answers,
    country_choices,
    country_name,
    fields_text,
    form_from_card,
    parse_fields,
)
from safeguards.records import AccessStatus
from safeguards.service import Safeguards
from safeguards.state import State
from safeguards.statedb import StateDB

GATED = "demo-studio/face-attribute-classifier"  # gated, no form in its card
LLAMA = "meta-llama/Llama-2-7b-hf"  # gated, a manual form in its card
GEMMA = "google/gemma-2b"  # gated, an automatic form in its card
PORTRAITS = "demo-studio/scraped-portraits-40k"  # demo-studio's, gated, no form in its card
FIELDS = "Affiliation: text\nRole: select: Student, Researcher, Other\nCountry: country\n"
FIELDS += "Start date: date\nI will not identify people: checkbox"
ANSWERS = {
    "Affiliation": "Example University",
    "Role": "Researcher",
    "Country": "FR",
    "Start date": "2026-01-15",
    "I will not identify people": True,
}
STORED = {**ANSWERS, "I will not identify people": "yes"}  # every stored answer is text

MakeService = Callable[..., Safeguards]


def error_key(call: Callable[[], object]) -> str:
    with pytest.raises(InvalidInput) as caught:
        call()
    return caught.value.key


# -- the owner's fields, one per line ----------------------------------------------------


def test_fields_are_read_one_per_line_with_their_type_and_options() -> None:
    fields = parse_fields(FIELDS + "\n\nBy ticking: I agree to the terms: checkbox\n")
    assert [f.type for f in fields] == [
        FieldType.TEXT,
        FieldType.SELECT,
        FieldType.COUNTRY,
        FieldType.DATE,
        FieldType.CHECKBOX,
        FieldType.CHECKBOX,
    ]
    assert fields[1].options == ("Student", "Researcher", "Other")
    assert fields[5].label == "By ticking: I agree to the terms"  # a colon in a label
    assert parse_fields(fields_text(fields)) == fields  # the editor shows what it reads
    assert parse_fields("") == () and parse_fields(None) == ()


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Affiliation", "err.form_no_type"),
        ("Affiliation: string", "err.form_no_type"),
        (": text", "err.form_label"),
        ("x" * 81 + ": text", "err.form_label"),
        ("Name: text: extra", "err.form_extra"),
        ("Role: select", "err.form_options"),
        ("Role: select: only one", "err.form_options"),
        ("Role: select: " + ", ".join(f"o{n}" for n in range(21)), "err.form_options"),
        ("Role: select: a, " + "b" * 81, "err.form_options"),
        ("Name: text\nname: text", "err.form_duplicate"),
        ("\n".join(f"Q{n}: text" for n in range(MAX_FIELDS + 1)), "err.form_too_many"),
    ],
)
def test_bad_field_lines_are_refused_with_a_reason(text: str, key: str) -> None:
    assert error_key(lambda: parse_fields(text)) == key


def test_the_caps_are_allowed_up_to_the_limit() -> None:
    ten = "\n".join(f"Q{n}: text" for n in range(MAX_FIELDS))
    assert len(parse_fields(ten)) == MAX_FIELDS
    twenty = "Role: select: " + ", ".join(f"o{n}" for n in range(20))
    assert len(parse_fields(twenty)[0].options) == 20
    assert parse_fields("x" * 80 + ": text")[0].label == "x" * 80


# -- the card's metadata ------------------------------------------------------------------


def test_the_cards_hub_metadata_is_the_form() -> None:
    metadata = {
        "gated": "auto",
        "extra_gated_prompt": "Agree to the terms.",
        "extra_gated_button_content": "Acknowledge",
        "extra_gated_fields": {
            "Name": "text",
            "Born": "date_picker",
            "geo": "ip_location",  # filled by the Hub itself: not asked
            "Use": {"type": "select", "options": ["Research", {"label": "Other", "value": "o"}]},
            "Broken": {"type": "select", "options": ["one"]},  # fewer than two: left out
            "I agree": "checkbox",
        },
    }
    form = form_from_card(metadata)
    assert form is not None and form.approval is Approval.AUTO and form.source == "card"
    assert (form.prompt, form.button) == ("Agree to the terms.", "Acknowledge")
    assert form.fields == (
        GateField("Name", FieldType.TEXT),
        GateField("Born", FieldType.DATE),
        GateField("Use", FieldType.SELECT, ("Research", "Other")),
        GateField("I agree", FieldType.CHECKBOX),
    )
    assert form_from_card({"license": "mit"}) is None
    manual = form_from_card({"extra_gated_fields": "not a mapping", "gated": True})
    assert manual is not None and manual.approval is Approval.MANUAL and manual.fields == ()


# -- the requester's answers --------------------------------------------------------------


def test_answers_are_checked_against_the_form() -> None:
    form = GateForm(fields=parse_fields(FIELDS))
    assert clean_answers(form, ANSWERS) == STORED
    by_name = {**ANSWERS, "Country": "france", "Affiliation": "  Example   University "}
    assert clean_answers(form, by_name) == STORED  # a name is stored as its code
    assert clean_answers(
        form,
        '{"Affiliation": "x", "Role": "Other", "Country": "JP", '
        '"Start date": "2024-02-29", "I will not identify people": true}',
    )
    assert clean_answers(None, None) == {} and clean_answers(None, "") == {}


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"Affiliation": ""}, "err.answer_required"),
        ({"Affiliation": None}, "err.answer_required"),
        ({"Affiliation": 42}, "err.answer_text"),
        ({"Affiliation": "x" * 301}, "err.answer_long"),
        ({"Affiliation": "bad\x00text"}, "err.answer_long"),
        ({"Role": "Astronaut"}, "err.answer_choice"),
        ({"Country": "Atlantis"}, "err.answer_country"),
        ({"Country": "XX"}, "err.answer_country"),
        ({"Start date": "15/01/2026"}, "err.answer_date"),
        ({"Start date": "2026-02-30"}, "err.answer_date"),
        ({"I will not identify people": False}, "err.answer_tick"),
        ({"I will not identify people": "yes"}, "err.answer_tick"),
        ({"Unasked": "x"}, "err.answers_unknown"),
    ],
)
def test_bad_answers_are_refused_with_a_reason(change: dict, key: str) -> None:
    form = GateForm(fields=parse_fields(FIELDS))
    assert error_key(lambda: clean_answers(form, {**ANSWERS, **change})) == key


def test_answers_must_be_an_object() -> None:
    for bad in (["x"], "not json", 3):
        assert error_key(lambda bad=bad: clean_answers(None, bad)) == "err.answers_object"


def test_countries_come_from_the_iso_list_in_both_languages() -> None:
    english = dict((code, name) for name, code in country_choices("en"))
    chinese = dict((code, name) for name, code in country_choices("zh-CN"))
    assert len(english) == len(chinese) > 240
    assert english["FR"] == "France" and chinese["FR"] == "法国"
    assert country_name("FR", "zh-CN") == "法国" and country_name("??") == "??"


# -- the service --------------------------------------------------------------------------


def test_an_owner_sets_the_form_and_requesters_must_fill_it(
    make_service: MakeService, settings: Settings
) -> None:
    service = make_service()
    owner, alice = service.user(OWNER), service.user("alice")
    assert service.view(alice, GATED).access_form is None  # the card has none
    form = service.set_access_form(owner, GATED, "manual", "Tell us who you are.", FIELDS)
    assert form.source == "set" and len(form.fields) == 5
    event = read_events(settings.state_dir)[-1]
    assert event.type == "access.form_set" and event.actor == OWNER
    assert event.payload["fields"][1] == {
        "label": "Role",
        "type": "select",
        "options": ["Student", "Researcher", "Other"],
    }
    assert service.view(alice, GATED).access_form == form
    count = len(read_events(settings.state_dir))
    service.set_access_form(owner, GATED, "manual", "Tell us who you are.", FIELDS + "\n")
    assert len(read_events(settings.state_dir)) == count  # unchanged: nothing recorded

    missing = {k: v for k, v in ANSWERS.items() if k != "Country"}
    assert error_key(lambda: service.request_access(alice, GATED, "", missing)) == (
        "err.answer_required"
    )
    request = service.request_access(alice, GATED, "", ANSWERS)  # the reason is optional now
    assert request.status is AccessStatus.PENDING and request.answers == STORED
    assert read_events(settings.state_dir)[-1].payload["answers"] == STORED
    restarted = make_service()  # state.db keeps the form and the answers
    assert restarted.view(restarted.user("alice"), GATED).access == request
    assert restarted.view(restarted.user("alice"), GATED).access_form == form


def test_a_form_set_on_the_page_replaces_the_cards(service: Safeguards) -> None:
    owner = service.user("meta-llama")
    card = service.view(owner, LLAMA).access_form
    assert card is not None and card.source == "card" and card.approval is Approval.MANUAL
    assert [f.type for f in card.fields][:4] == [
        FieldType.TEXT,
        FieldType.TEXT,
        FieldType.DATE,
        FieldType.COUNTRY,
    ]
    service.set_access_form(owner, LLAMA, "auto", "", "Name: text")
    replaced = service.view(service.user("alice"), LLAMA).access_form
    assert replaced is not None and replaced.source == "set"
    assert replaced.fields == (GateField("Name", FieldType.TEXT),)
    assert replaced.approval is Approval.AUTO
    with pytest.raises(PermissionDenied):
        service.use_card_access_form(service.user("alice"), LLAMA)
    service.use_card_access_form(owner, LLAMA)  # back to the card's
    assert service.view(service.user("alice"), LLAMA).access_form == card
    with pytest.raises(Conflict):
        service.use_card_access_form(owner, LLAMA)  # nothing set any more
    service.set_access_form(owner, LLAMA, "auto", "", "Name: text")  # and set again
    assert service.view(owner, LLAMA).access_form == replaced


def test_an_automatic_form_approves_at_once_as_the_system(service: Safeguards) -> None:
    alice = service.user("alice")
    form = service.view(alice, GEMMA).access_form
    assert form is not None and form.approval is Approval.AUTO
    agree = form.fields[0].label
    assert error_key(lambda: service.request_access(alice, GEMMA, "", {agree: False})) == (
        "err.answer_tick"
    )
    request = service.request_access(alice, GEMMA, "", {agree: True})
    assert request.status is AccessStatus.APPROVED
    assert request.automatic and request.decided_by is None
    assert not service.view(alice, GEMMA).content_locked
    events = read_events(service.settings.state_dir)
    assert events[-1].payload["approval"] == "auto" and events[-1].actor == "alice"
    assert [e.type for e in events] == ["access.requested"]  # one event, no decision by anyone


def test_only_the_owner_or_a_moderator_sets_the_form(
    service: Safeguards, settings: Settings
) -> None:
    for who in ("alice", None, "meta-llama"):  # a member, a visitor, another artifact's owner
        with pytest.raises(PermissionDenied):
            service.set_access_form(service.user(who), GATED, "auto", "", "Name: text")
    assert read_events(settings.state_dir) == []
    service.set_access_form(service.user(MODERATOR), GATED, "manual", "", "Name: text")
    assert len(read_events(settings.state_dir)) == 1


def test_a_bad_form_is_refused_and_nothing_is_written(
    service: Safeguards, settings: Settings
) -> None:
    owner = service.user(OWNER)
    assert error_key(lambda: service.set_access_form(owner, GATED, "maybe", "", "")) == (
        "err.gate_mode"
    )
    assert error_key(lambda: service.set_access_form(owner, GATED, "auto", "x" * 1001, "")) == (
        "err.too_long"
    )
    assert error_key(lambda: service.set_access_form(owner, GATED, "auto", "", "Nope")) == (
        "err.form_no_type"
    )
    assert read_events(settings.state_dir) == []


def test_without_a_form_the_request_is_as_before(service: Safeguards) -> None:
    alice = service.user("alice")
    assert error_key(lambda: service.request_access(alice, GATED, "")) == "err.required"
    assert error_key(lambda: service.request_access(alice, GATED, "why", {"x": "y"})) == (
        "err.answers_unknown"
    )
    request = service.request_access(alice, GATED, "Auditing for bias.")
    assert request.answers == {} and request.status is AccessStatus.PENDING
    assert "answers" not in read_events(service.settings.state_dir)[-1].payload


def test_state_db_rebuilt_from_the_log_equals_the_events_applied_one_by_one(
    make_service: MakeService, settings: Settings, tmp_path: Path
) -> None:
    """The live path (each event applied and its rows written to state.db as it is
    saved) and a rebuild of state.db from the whole log give the same forms and requests."""
    service = make_service()
    owner, moderator = service.user(OWNER), service.user(MODERATOR)
    service.set_access_form(owner, GATED, "manual", "Who are you?", FIELDS)
    first = service.request_access(service.user("alice"), GATED, "", ANSWERS)
    service.decide_access(owner, first.id, approve=False, note="Name your study.")
    service.set_access_form(moderator, GATED, "auto", "", "Name: text")  # replaces it
    service.request_access(service.user("bob"), GATED, "thesis", {"Name": "Bob"})
    service.set_access_form(owner, PORTRAITS, "manual", "", "Name: text")
    service.use_card_access_form(moderator, PORTRAITS)  # cleared: the card's again
    service.request_access(service.user("carol"), GEMMA, "", {next(iter(_gemma(service))): True})
    live = service.state.in_memory()

    resumed = make_service().state.in_memory()  # read back from the rows the live path wrote
    (settings.state_dir / "state.db").unlink()
    db = StateDB(settings.state_dir)
    rebuilt = db.open_state().in_memory()
    db.close()
    assert db.last_open["mode"] == "rebuild"
    folded = State.fold(read_events(settings.state_dir))
    for state in (resumed, rebuilt, folded):
        assert state.access_forms == live.access_forms
        assert state.access_requests == live.access_requests
    assert live.access_forms[GATED].approval == "auto" and live.access_forms[GATED].set_by == (
        MODERATOR
    )
    assert live.access_forms[PORTRAITS].cleared and live.access_forms[PORTRAITS].approval == ""
    statuses = {r.user: (r.status, r.automatic) for r in live.access_requests.values()}
    assert statuses == {
        "alice": (AccessStatus.REJECTED, False),
        "bob": (AccessStatus.APPROVED, True),
        "carol": (AccessStatus.APPROVED, True),
    }


def _gemma(service: Safeguards) -> list[str]:
    form = service.view(service.user("alice"), GEMMA).access_form
    assert form is not None
    return [f.label for f in form.fields]


def test_the_access_list_has_one_column_per_field_and_the_review_shows_the_answers(
    service: Safeguards,
) -> None:
    from safeguards.ui.artifact import access_list_file, request_detail

    owner = service.user(OWNER)
    service.set_access_form(owner, GATED, "manual", "", FIELDS + "\n=HYPERLINK(1): text")
    answers = {**ANSWERS, "=HYPERLINK(1)": "=cmd|' /C calc'!A0"}
    service.request_access(service.user("alice"), GATED, "", answers)
    view = service.view(owner, GATED)
    with open(access_list_file(view), encoding="utf-8", newline="") as handle:
        header, row = list(csv.reader(handle))
    assert header[7:] == [
        "Affiliation",
        "Role",
        "Country",
        "Start date",
        "I will not identify people",
        "field: =HYPERLINK(1)",  # a label is not a formula either
    ]
    assert row[1] == "alice"
    assert row[7:] == [
        "Example University",
        "Researcher",
        "France (FR)",
        "2026-01-15",
        "yes (ticked)",
        "'=cmd|' /C calc'!A0",
    ]
    detail = request_detail(view.access_requests[0], view.access_form, "zh-CN")
    assert "法国 \\(FR\\)" in detail and "是（已勾选）" in detail and "**回答：**" in detail
    assert "Example University" in detail


def test_an_automatic_request_reads_as_decided_by_no_one(service: Safeguards) -> None:
    from safeguards.ui.artifact import access_list_file

    service.request_access(service.user("alice"), GEMMA, "", {_gemma(service)[0]: True})
    view = service.view(service.user("google"), GEMMA)
    with open(access_list_file(view), encoding="utf-8", newline="") as handle:
        header, row = list(csv.reader(handle))
    assert (row[header.index("status")], row[header.index("decided_by")]) == (
        "approved",
        "automatic",
    )


@pytest.mark.parametrize(
    ("card", "expected"),
    [
        ("---\ntags:\n- a\n---\n\n# x\n", "---\ntags:\n- a\ngated: auto\n---\n\n# x\n"),
        ("# no metadata\n", "---\ngated: auto\n---\n# no metadata\n"),
        ("---\ngated: manual\n---\nx", "---\ngated: manual\n---\nx"),  # the card's own wins
        ("---\n: bad: [\n---\nx", "---\n: bad: [\n---\nx"),  # unreadable: left as it was
    ],
)
def test_an_imported_card_gets_the_hubs_approval_mode_and_keeps_the_rest(
    card: str, expected: str
) -> None:
    """The Hub keeps a repo's approval mode in its settings, not in README.md: the import
    writes it into the card's metadata, changing nothing else."""
    assert with_metadata_defaults(card, {"gated": "auto"}) == expected
