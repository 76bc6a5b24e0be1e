"""Rows to candidates, duplicates found, and the report: the whole dry run, with no Django.

`make_plan(table, mapping, matcher, existing, duplicates=...)` reads every row through the
mapping, finds people who appear twice in the file (the later row is an error pointing at the
first) and people already on Kith (by email or phone, as keyed digests; see matching.py), and
says what would happen to each row: new, merge or skip (as the coordinator chose, for a match by
email; skip for a match by phone alone, but see `_by_phone`), left out for an error, or declined
(the row said no to the group keeping their details). A new row with a phone number and no email
address comes in to wait for a call. The Django adapter supplies `existing` and writes the plan.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from django.utils.translation import gettext

from kith.volunteers.importing import values
from kith.volunteers.importing.availability import SLOTS, parse_availability
from kith.volunteers.importing.columns import NOT_IMPORTED, bracket_day
from kith.volunteers.importing.matching import Matcher
from kith.volunteers.importing.report import (
    DECLINED,
    ERROR,
    LEFT_OUT,
    MERGE,
    NEW,
    NOTE,
    SKIP,
    WARNING,
    Problem,
    Report,
)
from kith.volunteers.importing.services import KEYS, parse_services
from kith.volunteers.importing.table import Table

Progress = Callable[[int, int], None]
PROGRESS_EVERY = 1000
CACHE_SIZE = 16384


# Exports repeat themselves: a form's tick-boxes give the same few answers thousands of times.
# These cells are read once per import; the caches are emptied when it ends (they hold answers).
@lru_cache(maxsize=CACHE_SIZE)
def _services(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    keys, unknown = parse_services(text)
    return tuple(keys), tuple(unknown)


@lru_cache(maxsize=CACHE_SIZE)
def _availability(text: str, day: str | None):
    return parse_availability(text, day=day)


def _frozen(parser):
    @lru_cache(maxsize=CACHE_SIZE)
    def read(*args):
        value, issues = parser(*args)
        return (tuple(value) if isinstance(value, list) else value), tuple(issues)

    return read


_languages = _frozen(values.parse_languages)
_transport = _frozen(values.parse_transport)
_radius = _frozen(values.parse_radius)
_weekly_cap = _frozen(values.parse_weekly_cap)
_CACHES = [_services, _availability, _languages, _transport, _radius, _weekly_cap]


def _forget_cells() -> None:
    for cached in _CACHES:
        cached.cache_clear()


@dataclass(slots=True)
class Candidate:
    """One row, read. Plain values (the adapter seals phone and postcode as it saves them)."""

    row: int
    email: str | None = None
    name: str = ""
    phone: str | None = None
    postcode: str | None = None
    sector: str = ""
    services: list[str] = field(default_factory=list)
    availability: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    transport: str | None = None
    radius_km: int | None = None
    weekly_cap: int | None = None
    has_error: bool = False
    has_warning: bool = False
    email_key: bytes | None = None
    phone_key: bytes | None = None
    action: str = NEW
    person_id: int | None = None  # the existing person, for MERGE and SKIP


@dataclass
class Existing:
    """People already on Kith, as digests under this import's key (built by the adapter)."""

    by_email: dict[bytes, int] = field(default_factory=dict)
    by_phone: dict[bytes, int] = field(default_factory=dict)
    volunteers_here: set[int] = field(default_factory=set)  # volunteers in this group already
    left: set[int] = field(default_factory=set)  # people who chose to stop volunteering
    # Imported here with a phone number only, and in no other group (see _by_phone).
    waiting_here: set[int] = field(default_factory=set)


@dataclass
class Plan:
    candidates: list[Candidate]
    report: Report

    def rows(self, action: str) -> list[Candidate]:
        return [c for c in self.candidates if c.action == action]


class _Columns:
    """Where each field is read from: {field: [(index, header, grid day)]}."""

    def __init__(self, headers: list[str], mapping: dict[str, str]):
        self.by_field: dict[str, list[tuple[int, str, str | None]]] = {}
        for index, header in enumerate(headers):
            field_name = mapping.get(header, "ignore")
            if field_name in NOT_IMPORTED:
                continue
            self.by_field.setdefault(field_name, []).append((index, header, bracket_day(header)))

    def one(self, name: str) -> tuple[int, str] | None:
        cols = self.by_field.get(name)
        return (cols[0][0], cols[0][1]) if cols else None

    def all(self, name: str) -> list[tuple[int, str, str | None]]:
        return self.by_field.get(name, [])


def read_rows(table: Table, mapping: dict[str, str], *, progress: Progress | None = None,
              placed: values.Placed | None = None) -> tuple[list[Candidate], list[Problem]]:
    cols = _Columns(table.headers, mapping)
    name_col, first_col, last_col = cols.one("name"), cols.one("first_name"), cols.one("last_name")
    email_col, phone_col, postcode_col = cols.one("email"), cols.one("phone"), cols.one("postcode")
    transport_col, radius_col, cap_col = cols.one("transport"), cols.one("radius"), cols.one("weekly_cap")
    consent_col = cols.one("consent")
    service_cols, slot_cols = cols.all("services"), cols.all("availability")
    language_cols = cols.all("languages")

    candidates: list[Candidate] = []
    problems: list[Problem] = []
    total = len(table.rows)
    for done, (number, cells) in enumerate(table.rows, 1):
        c = Candidate(row=number)
        found: list[Problem] = []

        def issue(column: str | None, level: str, message: str, _row=number, _found=found) -> None:
            _found.append(Problem(_row, column, level, message))

        if consent_col:
            agreed, issues = values.parse_consent(cells[consent_col[0]])
            if agreed is False:
                _decline(c, cells, consent_col, email_col, phone_col, issue)
                candidates.append(c)
                problems += found
                continue
            for level, message in issues:
                issue(consent_col[1], level, message)
        for message in table.row_problems.get(number, ()):
            issue(None, ERROR, message)
        if name_col:
            c.name, issues = values.parse_name(cells[name_col[0]])
            for level, message in issues:
                issue(name_col[1], level, message)
        elif first_col or last_col:
            joined = " ".join(cells[col[0]] for col in (first_col, last_col) if col)
            c.name, issues = values.parse_name(joined)
            for level, message in issues:
                issue((first_col or last_col)[1], level, message)  # type: ignore[index]
        unreadable = False  # an email address or phone number given but not usable as it is
        if email_col:
            c.email, issues = values.parse_email(cells[email_col[0]])
            for level, message in issues:
                issue(email_col[1], level, message)
                unreadable = True
        if phone_col:
            c.phone, issues = values.parse_phone(cells[phone_col[0]])
            for level, message in issues:
                issue(phone_col[1], level, message)
                unreadable = unreadable or level == ERROR
        if not c.email and not c.phone and not unreadable:
            issue((email_col or phone_col or (0, None))[1], ERROR,
                  gettext("No email address or phone number: there is no way to reach them."))
        if postcode_col:
            (c.postcode, c.sector), issues = values.parse_postcode(cells[postcode_col[0]], placed)
            for level, message in issues:
                issue(postcode_col[1], level, message)
        if service_cols:
            chosen: set[str] = set()
            for index, header, _ in service_cols:
                keys, unknown = _services(cells[index])
                chosen.update(keys)
                for piece in unknown:
                    issue(header, WARNING, f"{values.shown(piece)} is not one of the services Kith "
                                           "knows: left out.")
            c.services = sorted(chosen, key=_SERVICE_ORDER.__getitem__)
        if slot_cols:
            slots: set[str] = set()
            for index, header, day in slot_cols:
                if not cells[index]:
                    continue
                result = _availability(cells[index], day)
                if result.unclear:
                    issue(header, WARNING, f"{values.shown(cells[index])} {result.unclear}: no times "
                                           "were saved from it; they choose their times when they "
                                           "confirm.")
                slots.update(result.slots)
            c.availability = [s for s in _SLOT_ORDER if s in slots]
        if language_cols:
            for index, header, _ in language_cols:
                names, issues = _languages(cells[index])
                c.languages += [n for n in names if n not in c.languages]
                for level, message in issues:
                    issue(header, level, message)
        if transport_col:
            c.transport, issues = _transport(cells[transport_col[0]], transport_col[1])
            for level, message in issues:
                issue(transport_col[1], level, message)
        if radius_col:
            c.radius_km, issues = _radius(cells[radius_col[0]])
            for level, message in issues:
                issue(radius_col[1], level, message)
        if cap_col:
            c.weekly_cap, issues = _weekly_cap(cells[cap_col[0]])
            for level, message in issues:
                issue(cap_col[1], level, message)

        c.has_error = any(p.level == ERROR for p in found)
        c.has_warning = any(p.level == WARNING for p in found)
        problems += found
        candidates.append(c)
        if progress is not None and (done % PROGRESS_EVERY == 0 or done == total):
            progress(done, total)
    return candidates, problems


def _waits_for_call(candidates: list[Candidate], column: str | None, *,
                    can_text: bool = True) -> list[Problem]:
    """New people with a phone number and no email address (most WhatsApp groups' lists) are
    imported, to wait for a coordinator's call. Said once the row is sure to come in; how they
    sign in depends on whether the site can text them a code."""
    problems = []
    words = gettext(
        "No email address: imported with their phone number only, to wait for a call. Nothing "
        "is emailed to them; they sign in with a code sent by text to their mobile.") if (
        can_text) else gettext(
        "No email address: imported with their phone number only, to wait for a call. Nothing "
        "is emailed to them, and this site can't send texts, so they can't sign in until you "
        "add their email address.")
    for c in candidates:
        if c.action == NEW and not c.email:
            c.has_warning = True
            problems.append(Problem(c.row, column, WARNING, words))
    return problems


def _decline(c: Candidate, cells: list[str], consent_col, email_col, phone_col, issue) -> None:
    """A row that said no to keeping their details: nothing else on it is read or reported,
    but for its email and phone, kept only to hold back another row for the same person."""
    c.action = DECLINED
    if email_col:
        c.email = values.parse_email(cells[email_col[0]])[0]
    if phone_col:
        c.phone = values.parse_phone(cells[phone_col[0]])[0]
    issue(consent_col[1], DECLINED, gettext(
        "Said no to the group keeping their details (%(answer)s): left out, and not emailed. "
        "Nothing from this row is saved.") % {"answer": values.shown(cells[consent_col[0]])})


def _find_repeats(candidates: list[Candidate], mapping_columns: dict[str, str | None],
                  matcher: Matcher) -> list[Problem]:
    """A person on two rows: the later row is an error that names the first. A row for someone
    who said no on another row is held back, whichever came first: check with them."""
    problems: list[Problem] = []
    first_email: dict[bytes, int] = {}
    first_phone: dict[bytes, int] = {}
    refused = _refusals(candidates, matcher)
    for c in candidates:
        if c.action == DECLINED:
            continue
        if c.email:
            c.email_key = matcher.email(c.email)
        if c.phone:
            c.phone_key = matcher.phone(c.phone)
        earlier = []
        if c.email_key is not None:
            if c.email_key in first_email:
                earlier.append(("email address", first_email[c.email_key], mapping_columns["email"]))
            else:
                first_email[c.email_key] = c.row
        if c.phone_key is not None:
            if c.phone_key in first_phone:
                earlier.append(("phone number", first_phone[c.phone_key], mapping_columns["phone"]))
            else:
                first_phone[c.phone_key] = c.row
        if len(earlier) == 2 and earlier[0][1] == earlier[1][1]:
            earlier = [("email address and phone number", earlier[0][1], earlier[0][2])]
        for what, row, column in earlier:
            problems.append(Problem(c.row, column, ERROR,
                                    f"The same {what} as row {row}: is this the same person twice? "
                                    f"Remove one row, or import only the good rows to keep row {row}."))
            c.has_error = True
        said_no = refused.get(c.email_key) or refused.get(c.phone_key)
        if said_no:
            column = mapping_columns["email" if c.email else "phone"]
            problems.append(Problem(c.row, column, ERROR, gettext(
                "Row %(row)s, with the same email address or phone number, said no to the group "
                "keeping their details: check with them before importing this row, or import only "
                "the good rows.") % {"row": said_no}))
            c.has_error = True
    return problems


def _refusals(candidates: list[Candidate], matcher: Matcher) -> dict[bytes | None, int]:
    """{digest of an email or phone: the row that said no}. The row's own values are dropped."""
    refused: dict[bytes | None, int] = {}
    for c in candidates:
        if c.action != DECLINED:
            continue
        if c.email:
            refused.setdefault(matcher.email(c.email), c.row)
        if c.phone:
            refused.setdefault(matcher.phone(c.phone), c.row)
        c.email = c.phone = None
    refused.pop(None, None)
    return refused


def _match_existing(candidates: list[Candidate], existing: Existing, duplicates: str,
                    mapping_columns: dict[str, str | None]) -> list[Problem]:
    problems: list[Problem] = []
    for c in candidates:
        if c.has_error or c.action == DECLINED:
            continue
        by_email = existing.by_email.get(c.email_key) if c.email_key else None
        by_phone = existing.by_phone.get(c.phone_key) if c.phone_key else None
        if by_email and by_phone and by_email != by_phone:
            problems.append(Problem(c.row, mapping_columns["phone"], ERROR,
                                    "The email address and the phone number belong to two different "
                                    "people already on Kith: check them."))
            c.has_error = True
            continue
        person = by_email or by_phone
        if person is None:
            continue
        c.person_id = person
        if person in existing.left:
            # Leaving was their choice; an old spreadsheet row must not quietly undo it.
            c.action = SKIP
            problems.append(Problem(c.row, mapping_columns["email"], NOTE, (
                "This person left volunteering on Kith, so this row will be skipped. If they "
                "want to come back, they can sign up again themselves.")))
        elif by_email:
            c.action = MERGE if duplicates == MERGE else SKIP
            then = ("their details here fill in any they have not given; their own choices are "
                    "kept" if c.action == MERGE else "this row will be skipped")
            where = ("Already a volunteer in this group" if person in existing.volunteers_here
                     else "Already on Kith (same email address)")
            problems.append(Problem(c.row, mapping_columns["email"], NOTE, f"{where}: {then}."))
        else:
            problems.append(_by_phone(c, person, existing, duplicates, mapping_columns["phone"]))
    return problems


def _by_phone(c: Candidate, person: int, existing: Existing, duplicates: str,
              column: str | None) -> Problem:
    """A row whose phone number, and not its email address, is someone already on Kith.

    A phone number on Kith is what someone typed, never proven to be theirs (and a household may
    share one), so it finds a duplicate but never decides whose account this row's details go
    into: that takes the same email address. The one exception is someone this group imported
    with that phone number only, who is in no other group and signs in only by a texted code:
    this group's own record, which a row with an email address may complete (when merging), so
    they can sign in by email too and be emailed.
    """
    if c.email and person in existing.waiting_here:
        c.action = MERGE if duplicates == MERGE else SKIP
        return Problem(c.row, column, NOTE, gettext(
            "Imported before with this phone number only: their email address here is added, "
            "and they are emailed to confirm their details.") if c.action == MERGE else gettext(
            "Imported before with this phone number only: this row will be skipped. Choose to "
            "merge to add their email address, so they can sign in."))
    c.action = SKIP
    return Problem(c.row, column, NOTE, (
        "Same phone number as someone already on Kith, with a different email address. "
        "Rows are merged only by email address, so this row will be skipped: if it is the "
        "same person, invite them to the group; if someone else shares the phone, take the "
        "number out of this row and import it again.") if c.email else gettext(
        "Same phone number as someone already on Kith. Rows are merged only by email "
        "address, so this row, which has none, will be skipped: if it is the same person, "
        "they are on Kith already; if someone else shares the phone, ask them for an email "
        "address."))


def make_plan(table: Table, mapping: dict[str, str], matcher: Matcher, existing: Existing, *,
              duplicates: str = SKIP, progress: Progress | None = None,
              placed: values.Placed | None = None, can_text: bool = True) -> Plan:
    """`placed` says whether the ONS directory holds a postcode (the adapter's); without it,
    postcodes are checked for their shape only. `can_text`: whether the site can text a
    sign-in code (messaging.channels.can_text, the adapter's), for what phone-only rows are
    told."""
    if duplicates not in (MERGE, SKIP):
        raise ValueError(f"duplicates must be {MERGE!r} or {SKIP!r}")
    try:
        candidates, problems = read_rows(table, mapping, progress=progress, placed=placed)
    finally:
        _forget_cells()
    columns = {name: next((h for h in table.headers if mapping.get(h) == name), None)
               for name in ("email", "phone")}
    problems += _find_repeats(candidates, columns, matcher)
    problems += _match_existing(candidates, existing, duplicates, columns)
    for c in candidates:
        if c.has_error:
            c.action = LEFT_OUT
    problems += _waits_for_call(candidates, columns["email"] or columns["phone"],
                                can_text=can_text)
    problems.sort(key=lambda p: (p.row or 0, _LEVEL_ORDER[p.level]))
    report = Report(
        rows=len(candidates), blank_rows=table.blank_rows, duplicates=duplicates,
        new=sum(1 for c in candidates if c.action == NEW),
        wait_for_call=sum(1 for c in candidates if c.action == NEW and not c.email),
        matched=sum(1 for c in candidates if c.action in (MERGE, SKIP)),
        already_here=sum(1 for c in candidates if c.action in (MERGE, SKIP)
                         and c.person_id in existing.volunteers_here),
        merging=sum(1 for c in candidates if c.action == MERGE),
        error_rows=sum(1 for c in candidates if c.has_error),
        declined=sum(1 for c in candidates if c.action == DECLINED),
        warning_rows=sum(1 for c in candidates if c.has_warning),
        problems=problems, file_notes=list(table.notes),
    )
    return Plan(candidates, report)


_LEVEL_ORDER = {ERROR: 0, DECLINED: 1, WARNING: 2, NOTE: 3}
_SLOT_ORDER = SLOTS
_SERVICE_ORDER = {key: i for i, key in enumerate(KEYS)}
