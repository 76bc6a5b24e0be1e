"""Erasure on request (or by the retention sweep): the API other apps call.

    holds_for_resident(resident) -> list[str]     reasons in words; empty = may erase
    holds_for_volunteer(person) -> list[str]
    erase_resident(resident, *, by, why) -> Erasure   raises OnHold(reasons) if held
    erase_volunteer(person, *, by, why) -> Erasure

`by` None means the retention sweep. `why` is one of `Erasure.Why` ("request", "retention").
Everything happens in one transaction: the rows are scrubbed field by field as `registry.py`
decides, files go once it commits, the audit keeps a tombstone and the erasure log an id.
The rows themselves stay (anonymised), so the group's counts and the books are unchanged.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext

from kith.core.audit import log_action
from kith.erasure import log as erasure_log
from kith.erasure import scan
from kith.erasure.models import Erasure
from kith.erasure.scopes import erased_name, resident_scopes, volunteer_scopes
from kith.erasure.scrub import ERASED, Identifiers, Scrubber
from kith.requests import lifecycle


class OnHold(Exception):
    """Erasure refused: something a group must keep is still open. `reasons` are in words."""

    def __init__(self, reasons: list[str]):
        self.reasons = list(reasons)
        super().__init__("; ".join(self.reasons))


# --- Holds --------------------------------------------------------------------------------


def _open_cases():
    from kith.safeguarding.models import Case

    return Case.objects.exclude(state=Case.State.CLOSED)


def holds_for_resident(resident) -> list[str]:
    from kith.money import ledger
    from kith.money.models import Account
    from kith.requests.models import HelpRequest

    reasons = []
    if erased(Erasure.Kind.RESIDENT, resident.pk):
        return [_("This resident has already been erased.")]
    cases = _open_cases().filter(Q(resident=resident) | Q(request__resident=resident)).count()
    if cases:
        reasons.append(ngettext(
            "A safeguarding case about them is still open. The safeguarding lead must close it "
            "first.",
            "%(n)d safeguarding cases about them are still open. The safeguarding lead must "
            "close them first.", cases) % {"n": cases})
    owed = sum((ledger.balance(a) for a in Account.objects.filter(
        resident=resident, kind=Account.Kind.OWED_BY_RESIDENT)), start=ledger.Decimal("0"))
    if owed > 0:
        reasons.append(_("They still owe the group £%(owed)s for shopping. The treasurer must "
                         "record it paid or covered first.") % {"owed": owed})
    open_requests = list(HelpRequest.objects.filter(
        resident=resident, state__in=lifecycle.OPEN).values_list("reference", flat=True))
    if open_requests:
        reasons.append(ngettext(
            "Their request %(refs)s is still open: close or cancel it first, so no volunteer "
            "is left with a task for someone Kith no longer knows.",
            "Their requests %(refs)s are still open: close or cancel them first, so no "
            "volunteer is left with a task for someone Kith no longer knows.",
            len(open_requests)) % {"refs": ", ".join(open_requests)})
    return reasons


def holds_for_volunteer(person, *, own: bool = False) -> list[str]:
    """The reasons in words; `own` for the volunteer's own page ("you", not "they")."""
    from kith.groups.models import Membership
    from kith.money.models import Claim
    from kith.safety.models import CheckIn

    if erased(Erasure.Kind.VOLUNTEER, person.pk):
        return [_("This person has already been erased.")]
    say = _OWN if own else _THEIRS
    reasons = []
    if _open_cases().filter(reporter=person).exists():
        reasons.append(str(say["reported"]))
    if _open_cases().filter(actions__owner=person, actions__done_at__isnull=True).exists():
        reasons.append(str(say["action"]))
    waiting = Claim.objects.filter(volunteer=person, state__in=[
        Claim.State.SUBMITTED, Claim.State.QUERIED]).count()
    if waiting:
        reasons.append(say["claims"](waiting) % {"n": waiting})
    reasons.extend(_money_holds(person, say))
    if CheckIn.objects.filter(volunteer=person).exclude(state=CheckIn.State.SAFE).exists():
        reasons.append(str(say["check_in"]))
    on_the_way = _on_the_way(person)
    if on_the_way:
        reasons.append(say["on_the_way"](len(on_the_way)) % {"refs": ", ".join(on_the_way)})
    for m in Membership.objects.filter(person=person, is_coordinator=True).select_related("group"):
        others = Membership.objects.filter(group=m.group, is_coordinator=True).exclude(
            person=person).filter(person__is_active=True)
        if not others.exists():
            reasons.append(say["only_coordinator"] % {"group": m.group.name})
    if _import_running_with(person):
        reasons.append(str(say["import"]))
    return reasons


def _on_the_way(person) -> list[str]:
    """Tasks they have started (on their way, or shopping now): erasing them would drop the
    task mid-way with no one to ask, so they finish it or hand it back first. A task only
    assigned goes back to be matched, as when anyone leaves."""
    from kith.requests.models import Assignment

    return list(Assignment.objects.filter(
        volunteer=person, ended_at__isnull=True, request__state=lifecycle.IN_PROGRESS)
        .order_by("pk").values_list("request__reference", flat=True))


def _money_holds(person, say) -> list[str]:
    from kith.money import ledger
    from kith.money.models import Account

    reasons = []
    for kind, key in ((Account.Kind.OWED_TO_VOLUNTEER, "owed"), (Account.Kind.CASH_HELD, "cash")):
        amount = sum((ledger.balance(a) for a in Account.objects.filter(
            volunteer=person, kind=kind)), start=ledger.Decimal("0"))
        if amount > 0:
            reasons.append(say[key] % {"amount": amount})
    return reasons


# A coordinator reads about the volunteer; the volunteer, on their own page, reads about
# themselves and what to do (who to ask), since they cannot close a case or pay themselves.
_THEIRS: dict[str, Any] = {
    "reported": _lazy("A safeguarding case they reported is still open. The safeguarding "
                      "lead may need to reach them: it must be closed first."),
    "action": _lazy("They own an action on an open safeguarding case. The safeguarding lead "
                    "must give it to someone else first."),
    "claims": lambda n: ngettext(
        "A spending claim of theirs is waiting for the treasurer. It must be decided first.",
        "%(n)d of their spending claims are waiting for the treasurer. They must be decided "
        "first.", n),
    "owed": _lazy("The group still owes them £%(amount)s. The treasurer must pay them back "
                  "first."),
    "cash": _lazy("They still hold £%(amount)s of the group's cash. The treasurer must record "
                  "it paid in first."),
    "check_in": _lazy("They are out on a task with a safety check-in still open. It must be "
                      "closed first."),
    "only_coordinator": _lazy("They are the only coordinator of %(group)s. Another coordinator "
                              "must be added first."),
    "import": _lazy("A spreadsheet import that names them is still running. Wait for it to "
                    "finish first."),
    "on_the_way": lambda n: ngettext(
        "They are on their way to a task (%(refs)s): it must be finished or handed back first.",
        "They are on their way to tasks (%(refs)s): they must be finished or handed back "
        "first.", n),
}
_OWN: dict[str, Any] = {
    "reported": _lazy("A safeguarding case you reported is still open, and the safeguarding "
                      "lead may need to reach you. You can leave once it is closed."),
    "action": _lazy("You have an action on an open safeguarding case. Ask the safeguarding "
                    "lead to give it to someone else."),
    "claims": lambda n: ngettext(
        "A spending claim of yours is waiting for the treasurer. You can leave once it is "
        "decided.",
        "%(n)d of your spending claims are waiting for the treasurer. You can leave once they "
        "are decided.", n),
    "owed": _lazy("The group still owes you £%(amount)s. You can leave once the treasurer has "
                  "paid you back."),
    "cash": _lazy("You still hold £%(amount)s of the group's cash. Hand it to the treasurer "
                  "first, so they can record it."),
    "check_in": _lazy("You have a safety check-in still open: tap \"I'm safe, finished\" on "
                      "your task first."),
    "only_coordinator": _lazy("You are the only coordinator of %(group)s. Add another "
                              "coordinator first, so the group is not left without one."),
    "import": _lazy("A spreadsheet import that names you is still running. Try again in a few "
                    "minutes."),
    "on_the_way": lambda n: ngettext(
        "You are on your way to a task (%(refs)s): finish it or hand it back first.",
        "You are on your way to tasks (%(refs)s): finish them or hand them back first.", n),
}


def _import_running_with(person) -> bool:
    from kith.volunteers.models import ImportRun

    scrubber = Scrubber(identifiers_for_volunteer(person))
    for run in ImportRun.objects.filter(upload__isnull=False):
        if scrubber.found(scan.import_text(run)):
            return True
    return False


def erased(kind: str, subject_id: int) -> bool:
    return Erasure.objects.filter(kind=kind, subject_id=subject_id).exists()


# --- Identifiers --------------------------------------------------------------------------


def identifiers_for_resident(resident) -> Identifiers:
    ids = Identifiers()
    ids.add("names", resident.name)
    for kind, value in (("phones", resident.phone), ("emails", resident.email),
                        ("addresses", resident.address), ("postcodes", resident.postcode)):
        ids.add(kind, scan.opened(value))
    return ids


def identifiers_for_volunteer(person) -> Identifiers:
    from kith.volunteers.models import VolunteerProfile

    ids = Identifiers()
    ids.add("names", person.display_name)
    ids.add("emails", person.email)
    ids.add("phones", scan.opened(person.phone))
    profile = VolunteerProfile.objects.filter(person=person).first()
    if profile is not None:
        ids.add("postcodes", scan.opened(profile.postcode))
    return ids


# --- Erasing ------------------------------------------------------------------------------


def erase_resident(resident, *, by, why: str = Erasure.Why.REQUEST) -> Erasure:
    from kith.residents.models import Resident

    with transaction.atomic():
        resident = Resident.objects.select_for_update().select_related("group").get(
            pk=resident.pk)
        reasons = holds_for_resident(resident)
        if reasons:
            raise OnHold(reasons)
        counts = _scrub_resident(resident)
        return _record(Erasure.Kind.RESIDENT, resident.pk, resident.group, by=by, why=why,
                       counts=counts, obj=Resident.objects.get(pk=resident.pk))


def erase_volunteer(person, *, by, why: str = Erasure.Why.REQUEST) -> Erasure:
    from kith.accounts.models import Person

    with transaction.atomic():
        person = Person.objects.select_for_update().get(pk=person.pk)
        reasons = holds_for_volunteer(person)
        if reasons:
            raise OnHold(reasons)
        group = _home_group(person)
        counts = _scrub_person(person, by=by)
        return _record(Erasure.Kind.VOLUNTEER, person.pk, group, by=by, why=why, counts=counts,
                       obj=Person.objects.get(pk=person.pk))


def _scrub_resident(resident) -> dict[str, int]:
    from kith.residents.models import Resident

    ids = identifiers_for_resident(resident)
    scopes = resident_scopes(resident)
    counts = scan.erase_own(scopes)
    counts.update(scan.redact_about_them(scopes, Scrubber(ids, about_them=True)))
    counts.update(scan.redact_everywhere(Scrubber(ids)))
    # The row stays (the group's counts), named by its number only.
    Resident.objects.filter(pk=resident.pk).update(name=erased_name("resident", resident.pk))
    return counts


def _scrub_person(person, *, by) -> dict[str, int]:
    from kith.groups.models import Membership

    ids = identifiers_for_volunteer(person)
    _leave_everywhere(person, by=by)
    scopes = volunteer_scopes(person)
    counts = scan.erase_own(scopes)
    counts.update(scan.redact_about_them(scopes, Scrubber(ids, about_them=True)))
    counts.update(scan.redact_everywhere(Scrubber(ids, neutral=_neutral_leaving())))
    counts.update(_close_account(person))
    # Every role ends: the account cannot sign in, and lists of members no longer show them.
    counts["groups.Membership"] = Membership.objects.filter(person=person).delete()[0]
    return counts




def _neutral_leaving() -> dict[str, str]:
    """A volunteer who left before being erased (the retention sweep erases those who left)
    is named in the sentences leaving wrote on timelines and audit rows (volunteers/services.py
    `leave`, the same words): once their name is scrubbed those read "A volunteer stopped
    volunteering", not "[erased] stopped volunteering" (review 16 #8)."""
    out = {}
    for template in (_("%(person)s stopped volunteering with %(group)s."),
                     _("%(person)s stopped volunteering.")):
        head, __, tail = template.partition("%(person)s")
        said = tail.split("%(")[0]  # up to the group's name, which stays as it is
        if said.strip():
            out[head + ERASED + said] = head + _("A volunteer") + said
    return out


def _home_group(person):
    from kith.groups.models import Membership

    m = Membership.objects.filter(person=person).select_related("group").order_by("pk").first()
    return m.group if m else None


def _leave_everywhere(person, *, by) -> None:
    """Stop volunteering (tasks and offers go back, as when anyone leaves)."""
    from kith.accounts.models import Person
    from kith.volunteers import services as volunteer_services
    from kith.volunteers.models import VolunteerProfile

    profile = VolunteerProfile.objects.filter(person=person).first()
    if profile is None:
        return
    # Leaving writes their name into timelines and audit rows ("Tom Brennan stopped
    # volunteering"), which the scrub would turn into "[erased] stopped volunteering": they
    # leave already nameless, so it reads "A volunteer stopped volunteering" (review 16 #8).
    # Their identifiers were read before; the account is renamed "Erased volunteer #N" after.
    Person.objects.filter(pk=person.pk).update(display_name=_("A volunteer"))
    volunteer_services.leave(profile, acting_user=by)


def _close_account(person) -> dict[str, int]:
    """Signed out everywhere, unable to sign in again: no address, no password, no keys."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from django.contrib.sessions.models import Session

    from kith.accounts.models import Person

    n_sessions = 0
    for session in Session.objects.all().iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(person.pk):
            session.delete()
            n_sessions += 1
    n_addresses = EmailAddress.objects.filter(user=person).delete()[0]
    n_keys = Authenticator.objects.filter(user=person).delete()[0]
    Person.objects.filter(pk=person.pk).update(
        email=None, display_name=erased_name("volunteer", person.pk), phone=None,
        phone_digest="", phone_verified_at=None, postcode_sector="", is_active=False,
        is_staff=False, is_superuser=False, password=make_password(None))
    person.groups.clear()
    person.user_permissions.clear()
    return {"sessions.Session": n_sessions, "account.EmailAddress": n_addresses,
            "mfa.Authenticator": n_keys}


def _record(kind: str, subject_id: int, group, *, by, why: str, counts: dict, obj) -> Erasure:
    if why not in Erasure.Why.values:
        raise ValueError(f"why must be one of {Erasure.Why.values}")
    by = by if getattr(by, "is_authenticated", False) else None
    erasure = Erasure.objects.create(kind=kind, subject_id=subject_id, group=group, why=why,
                                     by=by, counts={k: v for k, v in counts.items() if v})
    # The tombstone: who was erased (by number), when, why and by whom. No personal data.
    action = "kith.resident.erased" if kind == Erasure.Kind.RESIDENT else "kith.person.erased"
    log_action(action, actor=by, group=group, obj=obj,
               new={"why": why, "erasure": erasure.pk})
    transaction.on_commit(lambda: erasure_log.append(erasure))
    return erasure


def reapply(entries, *, out=None) -> int:
    """After a restore: erase again everyone the log says was erased and the database has back.

    Holds are not asked again: the erasure was allowed when it was made, and whatever held it
    then was closed first. Returns how many were erased again."""
    from django.db.models import Model

    from kith.accounts.models import Person
    from kith.residents.models import Resident

    done = 0
    obj: Model
    for entry in entries:
        if erased(entry.kind, entry.subject_id):
            continue
        with transaction.atomic():
            if entry.kind == Erasure.Kind.RESIDENT:
                resident = Resident.objects.select_related("group").filter(
                    pk=entry.subject_id).first()
                if resident is None:
                    continue
                group, counts = resident.group, _scrub_resident(resident)
                obj = Resident.objects.get(pk=resident.pk)
            else:
                person = Person.objects.filter(pk=entry.subject_id).first()
                if person is None:
                    continue
                group = _home_group(person)
                counts = _scrub_person(person, by=None)
                obj = Person.objects.get(pk=person.pk)
            erasure = Erasure.objects.create(
                kind=entry.kind, subject_id=entry.subject_id, group=group,
                why=Erasure.Why.RESTORE, counts={k: v for k, v in counts.items() if v})
            log_action("kith.erasure.reapplied", actor=None, group=group, obj=obj,
                       new={"erasure": erasure.pk, "erased_at": entry.erased_at})
        done += 1
        if out is not None:
            out.write(f"Erasure re-applied: {entry.kind} #{entry.subject_id}\n")
    return done


# --- What a coordinator is shown before confirming -----------------------------------------

# What each kind of record loses, in words for the confirm page.
GOES = {
    "residents.Resident": _lazy("Their name, phone, email, address, postcode, language and notes"),
    "requests.HelpRequest": _lazy("What they asked for, when, and who asked, on each request"),
    "requests.Series": _lazy("Their regular help's details"),
    "requests.RequestEvent": _lazy("Notes on their requests' timelines"),
    "requests.Assignment": _lazy("Why a volunteer was given their tasks"),
    "requests.Callback": _lazy("Call-back notes, names and numbers"),
    "requests.CallAttempt": _lazy("Notes from calls to them"),
    "matching.Offer": _lazy("Why volunteers were asked to help them"),
    "runs.Stop": _lazy("Their stops on pharmacy and food bank runs"),
    "signposting.Referral": _lazy("Why they were referred to a local service"),
    "safeguarding.Case": _lazy("Closed safeguarding cases about them: what happened, who, how "
                               "to reach them"),
    "safeguarding.Case:reported": _lazy("Their contact details on concerns they reported"),
    "safeguarding.CaseAction": _lazy("Actions on those cases"),
    "safeguarding.CaseTold": _lazy("Who was told about those cases"),
    "partners.PartnerReferral": _lazy("What partners said when referring them"),
    "money.JournalEntry": _lazy("Words in the books about their shopping (the amounts stay)"),
    "money.Claim": _lazy("Shops and questions on spending claims for them"),
    "money.ClaimLine": _lazy("What was bought for them"),
    "money.Receipt": _lazy("Receipt photos"),
    "money.Flag": _lazy("Notes on money flags about them"),
    "safety.Collection": _lazy("Pharmacy bag references"),
    "messaging.Message": _lazy("Emails and texts to them (any still waiting are not sent)"),
    "messaging.InboundText": _lazy("Texts from their number"),
    "core.AuditEvent": _lazy("Their name and details in the audit trail"),
    "core.PersonalDataAccess": _lazy("Their name in the access log (who looked stays)"),
    "volunteers.VolunteerProfile": _lazy("Their postcode, availability and languages"),
    "matching.MatchCard": _lazy("Their place in matching: they are offered nothing more"),
    "messaging.ContactPreference": _lazy("How they like to be reached"),
    "groups.Invitation": _lazy("Invitations sent to their address"),
    "listings.GroupRegistration": _lazy("Their name on a group they registered"),
    "listings.ListingReport": _lazy("Their address on a listing report"),
}


def preview_resident(resident) -> list[tuple[str, int]]:
    """What will go: each kind of record of theirs, with how many there are."""
    return _preview(resident_scopes(resident))


def preview_volunteer(person) -> list[tuple[str, int]]:
    rows = _preview(volunteer_scopes(person))
    return [(str(_("Their account: name, email, phone, password, passkeys, two-factor and "
                   "every signed-in session")), 1), *rows, *_going_back(person)]


def _going_back(person) -> list[tuple[str, int]]:
    """What they hold that goes back to the group, so the coordinator knows to find someone
    else (review 16 #8). A task they are on their way to holds the erasure instead."""
    from kith.requests.models import Assignment, Series

    tasks = Assignment.objects.filter(volunteer=person, ended_at__isnull=True).count()
    regular = Series.objects.filter(volunteer=person).count()
    rows = [(str(_("Tasks they hold: they go back to be matched with someone else")), tasks),
            (str(_("People they help regularly: they will need a new regular volunteer")),
             regular)]
    return [(words, n) for words, n in rows if n]


def _preview(scopes) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for scope in scopes:
        n = scope.rows.count()
        key = scope.goes or scope.label
        if n and key in GOES:
            counts[key] = counts.get(key, 0) + n
    return [(str(GOES[label]), n) for label, n in counts.items()]


def exclusion_kept(resident) -> bool:
    """An exclusion on their number stays, as a digest (zero tolerance)."""
    from kith.requests.models import Exclusion

    return bool(resident.phone_digest) and Exclusion.objects.filter(
        group=resident.group, phone_digest=resident.phone_digest).exists()
