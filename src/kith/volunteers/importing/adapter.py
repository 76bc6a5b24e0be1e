"""The Django edge of importing volunteers: people already on Kith, the commit, the mapping, the mail.

`import_volunteers()` is the one entry point, for the web pages and `kith import volunteers`
alike. Without `commit=True` it is a dry run and writes nothing. With it, the same checks run
first (reading only), then the rows are written in batches of `ROWS_PER_COMMIT`, each batch its
own short transaction: the people, their sign-in addresses, volunteer profiles and memberships
with `bulk_create` (a fixed number of queries per batch, none per row), then the merges. Each
batch writes one audit row `kith.volunteer.imported` with its counts (no personal data) in the
same transaction, so the trail always says exactly what landed; the column mapping is remembered
with the first batch. The re-consent emails go once the batches have committed.

Why batches: SQLite lets one writer in at a time, so one 50,000-row transaction kept the phone
line's writes (a missed call, a new request) waiting 20 s and then failing with "database is
locked". A batch holds the lock for about a quarter of a second; between batches, on SQLite,
the import steps back until nobody else is waiting to write (`_make_way`, `_begin`), so the
writers queued behind it go first (bench/sqlite_contention.py measures the phone line during a
50,000-row import).

What batches keep: a stop part-way (someone else adding one of these people at the same moment,
a database error) rolls back only the batch it happened in, and raises `ImportStopped`, which
says how many were saved; those people are still asked to confirm. Running the same file again
never adds anyone twice: the people already saved are found by email like anyone on Kith.

Imported people are made as `PersonManager.create_user(email)` makes them (lower-cased email,
an unusable password so no hashing happens, a primary unverified `EmailAddress`), but in bulk:
`create_user` saves one person at a time. Their profile has `reconfirm_consent=True`, so they get
no offers until they sign in by code and confirm on /volunteer/. Someone with a phone number only
gets a null email and no `EmailAddress`: they are not emailed, wait for a coordinator's call,
and sign in with a code texted to their mobile (their `phone_digest` is filled in here, as
bulk_create skips `Person.save()`).

People already on Kith are found by email (their own, or another address they have proven)
or by phone, and are merged (filling in only what they have not given) or skipped, as the
coordinator chooses; a match by phone alone is always skipped, since nobody proves a phone number
is theirs. Someone merged who had no volunteer profile is asked to confirm like a new volunteer.

Not written: a `kith.group.member_added` row per person. The import's own rows (one a batch) stand
for them all, with their counts; fifty thousand identical rows would bury the trail.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from functools import partial

from allauth.account.models import EmailAddress
from django.db import DatabaseError, IntegrityError, OperationalError, connection, transaction
from django.urls import reverse

from kith.accounts.models import Person
from kith.core import crypto
from kith.core.audit import log_action
from kith.core.digest import phone_digest
from kith.core.fields import Sealed
from kith.core.mail import site_url
from kith.groups.models import Group, Membership
from kith.messaging.channels import can_text
from kith.places.index import PostcodeDataMissing
from kith.places.postcodes import Postcode
from kith.volunteers.importing.columns import check_mapping, guess_mapping, looks_like_header
from kith.volunteers.importing.matching import Matcher
from kith.volunteers.importing.plan import Candidate, Existing, Plan, Progress, make_plan
from kith.volunteers.importing.report import MERGE, NEW, SKIP
from kith.volunteers.importing.table import Table, read_table
from kith.volunteers.models import ImportMapping, VolunteerProfile

logger = logging.getLogger(__name__)

BATCH = 1000  # objects per INSERT or UPDATE statement
# Rows written per transaction. Measured with bench/sqlite_contention.py (docs/ARCHITECTURE.md,
# "Importing from a spreadsheet"): 1,000 new volunteers hold SQLite's write lock about 0.2 s (up
# to 1 s on a busy machine), and missed calls posted during a 50,000-row import waited at most
# 0.3 to 0.9 s; batches of 2,000 let one wait 1.9 s, and 500 were no better than 1,000 while
# writing twice the audit rows.
ROWS_PER_COMMIT = 1000
# On SQLite, after each batch the import steps back until a pause this long passes with no one
# else writing: writers waiting for the lock poll it about every 0.1 s, so each gets in first...
PAUSE_S = 0.15
# ...for at most this long a batch; then the import queues for the lock like any other writer.
POLITE_FOR_S = 10.0
AUDIT_ACTION = "kith.volunteer.imported"
RECONSENT_TEMPLATE = "volunteers/import/email/reconsent.txt"


class ImportRefused(Exception):
    """Why an import was not written, in words fit to show the coordinator."""


@dataclass
class Saved:
    """What a commit has written so far: whole batches only."""

    batches: int = 0  # batches committed
    of: int = 0  # batches planned
    new: int = 0
    merged: int = 0
    recipients: list[tuple[str, str]] = field(default_factory=list)  # (email, name) to ask
    longest_s: float = 0.0  # the longest batch transaction: how long others' writes could wait
    stepped_back_s: float = 0.0  # time spent leaving the lock to others between batches


class ImportStopped(ImportRefused):
    """A commit that stopped part-way: `saved` is in Kith, the rest of the file is not."""

    def __init__(self, message: str, saved: Saved):
        super().__init__(message)
        self.saved = saved


@dataclass
class Outcome:
    table: Table
    mapping: dict[str, str]
    mapping_notes: list[str]
    plan: Plan
    committed: bool = False
    emailed: int = 0  # re-consent emails queued for after the commit
    saved: Saved | None = None  # what the commit wrote (None on a dry run)
    timings: dict[str, float] = field(default_factory=dict)


def read_upload(data: bytes, *, hint: str | None = None) -> Table:
    """The file as a table; raises table.UnreadableFile with a message for the coordinator."""
    return read_table(data, hint=hint, is_header=looks_like_header)


def remembered_mapping(group: Group, source: str) -> dict[str, str]:
    saved = ImportMapping.objects.filter(group=group, source=source).first()
    return dict(saved.mapping) if saved and isinstance(saved.mapping, dict) else {}


def default_mapping(table: Table, group: Group, source: str) -> tuple[dict[str, str], list[str]]:
    """The group's remembered choices for these headers, else a guess from the header names."""
    return guess_mapping(table.headers, remembered_mapping(group, source))


def existing_people(group: Group, matcher: Matcher) -> Existing:
    """Everyone already on Kith, as digests under this import's key: one pass over people."""
    existing = Existing()
    by_email = existing.by_email
    people = Person.objects.exclude(email=None).values_list("pk", "email")  # not phone-only people
    for pk, email in people.iterator(chunk_size=5000):
        by_email[matcher.email(email)] = pk
    # Other addresses count only once proven: anyone can add an unproven address to their own
    # account, and must not catch someone else's row (and their details) that way.
    verified = EmailAddress.objects.filter(verified=True).values_list("user_id", "email")
    for pk, email in verified.iterator(chunk_size=5000):
        by_email.setdefault(matcher.email(email), pk)
    existing.by_phone = _phone_digests(matcher)
    existing.left = set(
        VolunteerProfile.objects.filter(status=VolunteerProfile.Status.LEFT)
        .values_list("person_id", flat=True)
    )
    existing.volunteers_here = set(
        Membership.objects.filter(group=group, is_volunteer=True).values_list("person_id", flat=True)
    )
    existing.waiting_here = _waiting_here(group)
    return existing


def _waiting_here(group: Group) -> set[int]:
    """People with a phone number only (so imported: nothing else makes them) who belong to this
    group and no other: a later row with their phone number may add their email address."""
    no_email = Membership.objects.filter(person__email=None)
    here = set(no_email.filter(group=group).values_list("person_id", flat=True))
    elsewhere = no_email.filter(person_id__in=here).exclude(group=group)
    return here - set(elsewhere.values_list("person_id", flat=True))


def postcode_placed() -> Callable[[Postcode], bool] | None:
    """Whether the ONS directory holds a postcode with its own point: the index sign-up and the
    directory use. Not its sector's centre as a fallback: an import never guesses where someone
    lives. None (shape checks only) if the postcode data is not installed."""
    from kith.directory.geocoding import postcode_index

    try:
        index = postcode_index()
    except PostcodeDataMissing:
        logger.warning("postcode data missing: imported postcodes are checked for shape only")
        return None
    return lambda postcode: index.lookup(postcode) is not None


def _phone_digests(matcher: Matcher) -> dict[bytes, int]:
    """Existing people's phone numbers as digests: the one place an import opens sealed data.

    Why this decrypts without `privacy.reveal()`: reveal() is for showing a sealed value to a
    person, so it asks for a reason, need-to-know and two-factor, and writes an access row per
    subject. Nothing here is shown to anyone. Each number is decrypted, hashed under this import's
    one-off key and dropped at once; only digests leave this function, and all an import learns
    from them is "row N is someone already on Kith", which the report says without the number.
    Finding the same person by phone is part of checking a file, and cannot be done on ciphertext
    (Fernet encrypts the same number differently every time). A phone match only ever skips a
    row, never merges it (plan._match_existing). The import's own audit row records that it ran.
    Keep it that way: never return, log or store what `crypto.decrypt` gives here.
    """
    digests: dict[bytes, int] = {}
    rows = Person.objects.exclude(phone=None).values_list("pk", "phone").iterator(chunk_size=5000)
    for pk, sealed in rows:
        try:
            digests[matcher.phone(crypto.decrypt(sealed.token))] = pk
        except crypto.UnreadableSecret:
            continue  # a value no current key opens: it cannot match, and rotate-keys reports it
    return digests


def import_volunteers(
    data: bytes | None,
    *,
    table: Table | None = None,
    group: Group,
    source: str,
    mapping: dict[str, str] | None = None,
    duplicates: str = SKIP,
    commit: bool = False,
    good_rows_only: bool = False,
    acting_user=None,
    hint: str | None = None,
    progress: Progress | None = None,
    write_progress: Progress | None = None,
) -> Outcome:
    """Check (and with `commit`, import) a CSV export into `group`: its bytes, or `table` if read.

    Raises `table.UnreadableFile` for a file that cannot be read, `ImportRefused` when a commit
    is not possible (errors without `good_rows_only`, a mapping with no email column, someone
    else importing the same people at the same moment).
    """
    if table is None:
        if data is None:
            raise TypeError("import_volunteers() needs the file's bytes or its table")
        table = read_upload(data, hint=hint)
    if mapping is None:
        mapping, notes = default_mapping(table, group, source)
    else:
        notes = []
        mapping = {h: mapping.get(h, "ignore") for h in table.headers}
    problems = check_mapping(mapping, table.headers)
    if problems:
        raise ImportRefused(" ".join(problems))
    matcher = Matcher()
    timings: dict[str, float] = {}
    started = time.perf_counter()
    # Reading only, outside any transaction, so the checks (seconds for a big file) hold no lock.
    plan = make_plan(table, mapping, matcher, existing_people(group, matcher),
                     duplicates=duplicates, progress=progress, placed=postcode_placed(),
                     can_text=can_text())
    timings["check_s"] = time.perf_counter() - started
    if not commit:
        return Outcome(table, mapping, notes, plan, timings=timings)
    refused = refusal(plan.report, good_rows_only)
    if refused:
        raise ImportRefused(refused)
    started = time.perf_counter()
    saved = Saved()
    try:
        _commit(plan, saved, group=group, source=source, mapping=mapping, acting_user=acting_user,
                good_rows_only=good_rows_only, progress=write_progress)
    except DatabaseError as exc:
        raise ImportStopped(_stopped(exc, saved), saved) from exc
    finally:
        timings["write_s"] = time.perf_counter() - started
    return Outcome(table, mapping, notes, plan, committed=True, emailed=len(saved.recipients),
                   saved=saved, timings=timings)


def refusal(report, good_rows_only: bool) -> str | None:
    """Why a checked file cannot be imported as chosen, in words; None if it can. The page asks
    this of the check it showed, so a refusal comes at once, not from the worker later."""
    if report.error_rows and not good_rows_only:
        return (
            f"Nothing was imported: {report.error_rows} row"
            f"{'s have' if report.error_rows != 1 else ' has'} errors. Fix them and check "
            "the file again, or choose to import only the good rows."
        )
    if not report.can_commit(good_rows_only):
        return "Nothing was imported: there is no one new to import."
    return None


def _commit(plan: Plan, saved: Saved, *, group: Group, source: str, mapping: dict[str, str],
            acting_user, good_rows_only: bool, progress: Progress | None) -> None:
    """Write the plan batch by batch, in file order, counting into `saved` as each commits."""
    rows = [c for c in plan.candidates if c.action in (NEW, MERGE)]
    batches = [rows[i:i + ROWS_PER_COMMIT] for i in range(0, len(rows), ROWS_PER_COMMIT)]
    saved.of = len(batches)
    audit = partial(_audit_row, plan.report, source=source, import_id=secrets.token_hex(4),
                    of=len(batches), good_rows_only=good_rows_only)
    for batch in batches:
        new = [c for c in batch if c.action == NEW]
        merge = [c for c in batch if c.action == MERGE]
        ready = _prepare_new(new, group)  # built before the transaction: no lock held yet
        with _batch_transaction(saved):
            if saved.batches == 0:
                ImportMapping.objects.update_or_create(group=group, source=source,
                                                       defaults={"mapping": mapping})
            asked = _save_new(ready) + (_merge(merge, group) if merge else [])
            # Asked to confirm in the batch that saved them, so whoever is in Kith is asked even
            # if a later batch fails (a second run of the file would find them and not ask).
            # Queued, not sent: the worker sends them, and the page returns at once.
            queue_reconsent(group, asked)
            log_action(AUDIT_ACTION, actor=acting_user, group=group,
                       new=audit(saved.batches + 1, new=len(new), merged=len(merge),
                                 asked=len(asked)))
        saved.batches += 1
        saved.new += len(new)
        saved.merged += len(merge)
        saved.recipients += asked
        if progress is not None:
            progress(saved.new + saved.merged, len(rows))


def _audit_row(report, number: int, *, new: int, merged: int, asked: int, source: str,
               import_id: str, of: int, good_rows_only: bool) -> dict:
    """Counts only. The first batch's row also records the file as checked."""
    row: dict = {"source": source, "import": import_id, "batch": number, "batches": of}
    if number == 1:
        row.update(report.counts(good_rows_only=good_rows_only))
    row.update({"new": new, "merged": merged, "asked_to_confirm": asked})
    return row


def _sqlite_between_commits() -> bool:
    """Only SQLite's one write lock needs sharing, and only if the batches really commit (not
    inside a caller's transaction, which holds the lock anyway)."""
    return connection.vendor == "sqlite" and not connection.in_atomic_block


def _make_way() -> None:
    """Between batches, leave the write lock free until nobody else is waiting for it.

    Writers queued behind the lock poll it about every 0.1 s, unseen: so the import waits until
    a whole `PAUSE_S` goes by in which no one else committed (SQLite's data_version counts
    others' commits), at most `POLITE_FOR_S`.
    """
    if not _sqlite_between_commits():
        return
    waited, before = 0.0, _data_version()
    while waited < POLITE_FOR_S:
        time.sleep(PAUSE_S)
        waited += PAUSE_S
        now = _data_version()
        if now == before:
            return
        before = now


def _data_version() -> int:
    with connection.cursor() as cursor:
        return cursor.execute("PRAGMA data_version").fetchone()[0]


@contextmanager
def _batch_transaction(saved: Saved):
    """A batch's transaction, timed into `saved`. On SQLite, after the first batch, the import
    makes way for other writers first (`_make_way`), then begins only when nobody is writing."""
    started = time.perf_counter()
    if saved.batches:
        _make_way()
    with ExitStack() as stack:
        _begin(stack)
        saved.stepped_back_s += time.perf_counter() - started
        started = time.perf_counter()
        yield
    saved.longest_s = max(saved.longest_s, time.perf_counter() - started)


def _begin(stack: ExitStack) -> None:
    """Enter `transaction.atomic()`. On SQLite, while the lock is taken (a missed call being
    saved, say) the import steps back again, for up to `POLITE_FOR_S`, and only then queues
    for it like any other writer."""
    if _sqlite_between_commits():
        waited = 0.0
        with _busy_timeout(0):  # BEGIN IMMEDIATE fails at once, instead of queueing
            while waited < POLITE_FOR_S:
                try:
                    stack.enter_context(transaction.atomic())
                    return
                except OperationalError:
                    time.sleep(PAUSE_S)
                    waited += PAUSE_S
    stack.enter_context(transaction.atomic())


@contextmanager
def _busy_timeout(ms: int):
    with connection.cursor() as cursor:
        before = cursor.execute("PRAGMA busy_timeout").fetchone()[0]
        cursor.execute(f"PRAGMA busy_timeout = {int(ms)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA busy_timeout = {int(before)}")


def _stopped(exc: DatabaseError, saved: Saved) -> str:
    if isinstance(exc, IntegrityError):
        why = "some of these people were added to Kith by someone else while this import ran"
    else:
        why = f"the database refused a write ({exc})"
    if not saved.batches:
        return f"Nothing was imported: {why}. Check the file again and import it once more."
    merged = f" and {saved.merged:,} merged" if saved.merged else ""
    return (f"The import stopped part-way: {why}. {saved.new:,} new volunteers{merged} were saved "
            f"({saved.batches} of {saved.of} batches) and will be asked to confirm; the rest were "
            "not. Check the file again and import it once more: people already saved are found "
            "and not added twice.")


def _new_profile(person: Person, c: Candidate) -> VolunteerProfile:
    profile = VolunteerProfile(person=person, services=c.services, availability=c.availability,
                               languages=c.languages, postcode=_sealed(c.postcode),
                               reconfirm_consent=True)
    if c.transport:
        profile.transport = c.transport
    if c.radius_km is not None:
        profile.radius_km = c.radius_km
    if c.weekly_cap is not None:
        profile.weekly_cap = c.weekly_cap
    return profile


def _batched(model, objects: list) -> None:
    for start in range(0, len(objects), BATCH):
        model.objects.bulk_create(objects[start:start + BATCH])


def _sealed(value: str | None) -> Sealed | None:
    """Encrypted now, before the batch's transaction, so the write lock is not held for it."""
    return Sealed(crypto.encrypt(value)) if value else None


@dataclass
class _NewRows:
    """One batch of new people, every object built and ready to insert."""

    people: list[Person]
    addresses: list[EmailAddress]
    profiles: list[VolunteerProfile]
    memberships: list[Membership]


def _prepare_new(rows: list[Candidate], group: Group) -> _NewRows:
    people: list[Person] = []
    for c in rows:
        person = Person(email=c.email or None, display_name=c.name, phone=_sealed(c.phone),
                        phone_digest=phone_digest(c.phone or ""), postcode_sector=c.sector)
        person.set_unusable_password()  # "!" and a random string: no hashing
        people.append(person)
    # The foreign keys are filled in from each person's id once the people are inserted.
    return _NewRows(
        people=people,
        addresses=[EmailAddress(user=p, email=p.email, primary=True, verified=False)
                   for p in people if p.email],  # none for someone with a phone number only
        profiles=[_new_profile(p, c) for p, c in zip(people, rows, strict=True)],
        memberships=[Membership(person=p, group=group, is_volunteer=True) for p in people],
    )


def _save_new(ready: _NewRows) -> list[tuple[str, str]]:
    """Insert one batch of new people. Returns (email, name) of each with an email address, to
    ask to confirm: those with a phone number only are not emailed, and wait for a call."""
    _batched(Person, ready.people)
    _batched(EmailAddress, ready.addresses)
    _batched(VolunteerProfile, ready.profiles)
    _batched(Membership, ready.memberships)
    return [(p.email, p.display_name) for p in ready.people if p.email]


def _chunks(ids: list[int], size: int = 5000):
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def _fill_in(person: Person, c: Candidate) -> tuple[bool, EmailAddress | None]:
    """What the person has not given, from the row: (anything changed, an address to add).

    An address is added only for someone imported with a phone number only (plan._by_phone
    decides who): from then on they sign in by emailed code like anyone else."""
    changed, address = False, None
    if person.email is None and c.email:
        person.email, changed = c.email, True
        address = EmailAddress(user=person, email=c.email, primary=True, verified=False)
    if not person.display_name and c.name:
        person.display_name, changed = c.name, True
    if person.phone is None and c.phone:
        # bulk_update skips Person.save(), which keeps the digest sign-in by text looks up.
        person.phone, person.phone_digest, changed = c.phone, phone_digest(c.phone), True
    if not person.postcode_sector and c.sector:
        person.postcode_sector, changed = c.sector, True
    return changed, address


def _merge(rows: list[Candidate], group: Group) -> list[tuple[str, str]]:
    """Someone already on Kith: fill in what they have not given, never overwrite their choices."""
    ids = [c.person_id for c in rows if c.person_id is not None]
    people: dict[int, Person] = {}
    profiles: dict[int, VolunteerProfile] = {}
    memberships: dict[int, Membership] = {}
    for chunk in _chunks(ids):
        people.update((p.pk, p) for p in Person.objects.filter(pk__in=chunk))
        profiles.update((v.person_id, v) for v in VolunteerProfile.objects.filter(person_id__in=chunk))
        memberships.update((m.person_id, m) for m in
                           Membership.objects.filter(group=group, person_id__in=chunk))
    changed_people, new_profiles, changed_profiles = [], [], []
    new_addresses: list[EmailAddress] = []
    new_memberships, changed_memberships = [], []
    recipients: list[tuple[str, str]] = []
    seen: set[int] = set()
    for c in rows:
        person = people.get(c.person_id)  # type: ignore[arg-type]
        if person is None or person.pk in seen:
            continue
        seen.add(person.pk)
        profile = profiles.get(person.pk)
        if profile is not None and profile.status == VolunteerProfile.Status.LEFT:
            continue  # left since the file was checked (read here, in the batch's transaction)
        changed, address = _fill_in(person, c)
        if changed:
            changed_people.append(person)
        if address is not None:
            new_addresses.append(address)
            if profile is not None:  # never asked before: they had no email address
                recipients.append((address.email, person.display_name))
        if profile is None:
            new_profiles.append(_new_profile(person, c))
            recipients.append((person.email, person.display_name))
        else:
            touched = False
            for name in ("services", "availability", "languages"):
                if not getattr(profile, name) and getattr(c, name):
                    setattr(profile, name, getattr(c, name))
                    touched = True
            if profile.postcode is None and c.postcode:
                profile.postcode, touched = c.postcode, True
            if touched:
                changed_profiles.append(profile)
        membership = memberships.get(person.pk)
        if membership is None:
            new_memberships.append(Membership(person=person, group=group, is_volunteer=True))
        elif not membership.is_volunteer:
            membership.is_volunteer = True
            changed_memberships.append(membership)
    Person.objects.bulk_update(changed_people, ["email", "display_name", "phone", "phone_digest",
                                                "postcode_sector"], batch_size=BATCH)
    _batched(EmailAddress, new_addresses)
    _batched(VolunteerProfile, new_profiles)
    VolunteerProfile.objects.bulk_update(changed_profiles, ["services", "availability", "languages",
                                                            "postcode"], batch_size=BATCH)
    _batched(Membership, new_memberships)
    Membership.objects.bulk_update(changed_memberships, ["is_volunteer"], batch_size=BATCH)
    _refresh_match_cards({p.person_id for p in changed_profiles}
                         | {m.person_id for m in changed_memberships})
    return recipients


def _refresh_match_cards(person_ids: set[int]) -> None:
    """Bulk writes send no signals: rebuild the match cards of volunteers whose details
    changed. New people get theirs when they confirm their consents."""
    from kith.matching.cards import refresh_for_person

    for person in Person.objects.filter(pk__in=person_ids):
        refresh_for_person(person)


def queue_reconsent(group: Group, recipients: list[tuple[str, str]]) -> int:
    """Put a re-consent email for each (email, name) in the outbox, in bulk; returns how many."""
    from kith.messaging.outbox import queue_emails, render_email

    if not recipients:
        return 0
    context = {"group_name": group.name, "url": site_url("/volunteer/"),
               "sign_in_url": site_url(reverse("account_login"))}
    people = {p.email.lower(): p for p in Person.objects.filter(
        email__in=[email for email, _ in recipients]).only("pk", "email")}
    subject = f"Please confirm you want to volunteer with {group.name}"
    emails = [render_email(to=email, subject=subject, template=RECONSENT_TEMPLATE,
                           context={**context, "name": name}, person=people.get(email.lower()),
                           group=group)
              for email, name in recipients]
    return len(queue_emails(emails))


__all__ = ["MERGE", "SKIP", "ImportRefused", "ImportStopped", "Outcome", "Saved",
           "import_volunteers", "read_upload", "refusal", "remembered_mapping", "default_mapping",
           "existing_people", "queue_reconsent"]
