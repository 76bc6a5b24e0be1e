"""The demo's help requests: every state, a busy callback queue, check-ups due, a weekly shop.

Each story is played through the real services at a time in the past (the clock is moved
for the duration of the story), so the timelines, ages and overdue markers are the ones
Kith itself would have produced.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, time, timedelta
from unittest import mock

from django.utils import timezone

from kith.requests import callbacks, exclusions, series, services
from kith.requests.intake import Contact, Need, take_request
from kith.requests.models import Callback, HelpRequest, RequestPolicy
from kith.residents.models import Resident

# (hours ago, first name, phone suffix, postcode, service, urgency, at risk, channel, story)
# A story is the list of moves played after intake, in order.
STORIES = [
    (2, "Joan", "0601", "W10 5NW", "shopping", "soon", False, "web", []),
    (5, "Harold", "0602", "W10 5NW", "prescriptions", "today", True, "web", []),
    (9, "Amira", "0603", "W10 5NW", "befriending", "flexible", False, "web", []),
    (20, "Peter", "0604", "W10 5NW", "dog_walking", "week", False, "web", []),
    (30, "Grace", "0605", "W10 5NW", "shopping", "soon", False, "web", []),  # overdue
    (40, "Dennis", "0606", "W10 5NW", "prescriptions", "soon", False, "referral", []),
    (26, "Lena", "0607", "W10 5NW", "shopping", "soon", False, "web", ["reached", "triage"]),
    (28, "Walter", "0608", "W10 5NW", "prescriptions", "soon", False, "phone",
     ["start_matching"]),
    (31, "Ivy", "0609", "W10 5NW", "shopping", "week", False, "phone",
     ["start_matching", "offer"]),
    (50, "Frank", "0610", "W10 5NW", "dog_walking", "week", False, "phone", ["assign"]),
    (54, "Nora", "0611", "W10 5NW", "shopping", "soon", False, "phone", ["assign_tom", "start"]),
    (75, "Edith", "0612", "W10 5NW", "prescriptions", "soon", False, "phone",
     ["assign", "start", "complete"]),
    (120, "Arthur", "0613", "W10 5NW", "shopping", "soon", False, "phone",
     ["assign_tom", "complete", "check_up"]),
    (200, "Mabel", "0614", "W10 5NW", "shopping", "soon", False, "phone",
     ["assign", "complete", "check_up", "close"]),
    (60, "Stanley", "0615", "W10 5NW", "posting", "week", False, "web", ["reached", "cancel"]),
    (70, "Rosa", "0616", "W10 5NW", "hot_meals", "soon", False, "phone", ["could_not_help"]),
    (45, "Cyril", "0617", "W10 5NW", "befriending", "soon", True, "phone", ["escalate"]),
    (35, "Doris", "0618", "W10 5NW", "shopping", "week", False, "phone", ["hold"]),
]
NOTES = {
    "cancel": "Her son is back from holiday and will shop for her.",
    "could_not_help": "No hot meals in this area: signposted to the council's meals service.",
    "escalate": "Sounded confused and said he had not eaten for two days.",
    "hold": "In hospital until next week; her daughter will ring when she is home.",
}
# Requests that ended about three months ago, for retention: Albert's is past the 90 days a
# closed request's details are kept, so the first sweep blanks it (an audit row of counts);
# Violet's passes 90 days within the week, so it is on the coordinators' preview of next week.
# (days ago, first name, phone suffix, service, story), one step a day.
OLD_STORIES = [
    (104, "Albert", "0619", "shopping", ["assign", "complete", "check_up", "close"]),
    (91, "Violet", "0620", "prescriptions", ["assign", "complete", "check_up", "close"]),
]
OLD_NOTE = "Her neighbour Pat has a key; ring the bell twice."
EXCLUDED_PHONE = "+442079460666"


@contextmanager
def _at(moment):
    """Run Kith's services as if it were `moment` (demo stories only)."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def _volunteers(group):
    return [m.person for m in group.memberships.filter(is_volunteer=True).select_related("person")
            .order_by("person__email")]


def _play(req: HelpRequest, step: str, *, people: dict, helpers: list, when) -> None:
    priya, sam, tom = people["priya"], people["sam"], people["tom"]
    req.refresh_from_db()
    if step == "reached":
        callback = req.callbacks.get(kind=Callback.Kind.REQUEST)
        callbacks.claim(callback, sam)
        callbacks.log_attempt(callback, by=sam, outcome="reached")
    elif step in ("assign", "assign_tom"):
        if req.state == "new":
            services.transition(req, "triage", actor=sam)
        able = [p for p in helpers if not services.refusals(p, req.group, req.service)]
        volunteer = tom if step == "assign_tom" else able[req.pk % len(able)]
        services.assign(req, volunteer, actor=priya, reason="Lives nearby and free this week")
    elif step == "start":
        services.start(req, actor=req.current_assignment.volunteer)
    elif step == "complete":
        services.complete(req, actor=req.current_assignment.volunteer)
    elif step == "check_up":
        callback = req.callbacks.get(kind=Callback.Kind.CHECK_UP)
        Callback.objects.filter(pk=callback.pk).update(not_before=when)
        callbacks.claim(callback, sam, now=when)
        callbacks.log_attempt(callback, by=sam, outcome="reached", result="all_well", now=when)
    elif step == "offer":
        from kith.matching.offers import offer_round

        offer_round(req, actor=None)  # to the best-placed few of the street's volunteers
    else:
        actor = priya if step in ("close", "could_not_help", "hold", "escalate") else sam
        if req.state == "new" and step in ("close", "start_matching"):
            services.transition(req, "triage", actor=sam)
        services.transition(req, step, actor=actor, note=NOTES.get(step, ""))


def _story(group, people, helpers, story, now, *, details: str = "",
           step_hours: float | None = None) -> None:
    """Intake `hours` ago, then the steps spread evenly up to now (or `step_hours` apart)."""
    hours, name, suffix, postcode, service, urgency, at_risk, channel, steps = story
    start = now - timedelta(hours=hours)
    contact = Contact(name=name, phone=f"+44207946{suffix}", postcode=postcode,
                      address=f"{int(suffix) % 90 + 2} Golborne Road, London {postcode}",
                      at_risk=at_risk)
    need = Need(service=service, urgency=urgency, details=details, asked_by="",
                partner_kind="pharmacy" if channel == "referral" else "",
                partner_name="Golborne Pharmacy" if channel == "referral" else "")
    with _at(start):
        taken = take_request(group, channel=channel, contact=contact, need=need,
                             acting_user=people["sam"] if channel == "phone" else None,
                             triage=channel == "phone")
    gap = step_hours if step_hours is not None else hours / (len(steps) + 1)
    for i, step in enumerate(steps, start=1):
        when = start + timedelta(hours=i * gap)
        with _at(when):
            _play(taken.request, step, people=people, helpers=helpers, when=when)


def _weekly_shop(group, people, now) -> str:
    """Mrs Ahmed's weekly shop with Tom: three weeks done, the next one made by the sweep."""
    ahmed = Resident.objects.get(group=group, name="Mrs Ahmed")
    tom, priya = people["tom"], people["priya"]
    # The Thursday three weeks back or the one before it, so "Thursday morning" is true.
    back = timezone.localdate(now) - timedelta(days=21)
    first = back - timedelta(days=(back.weekday() - 3) % 7)
    with _at(now - timedelta(days=22)):
        shop = series.start_series(group, resident=ahmed, service="shopping", cadence="weekly",
                                   first_date=first, when="morning", volunteer=tom,
                                   details="Her usual list: she reads it out on the phone.",
                                   actor=priya)
    for week in range(3):
        midnight = timezone.make_aware(datetime.combine(first + timedelta(days=7 * week), time()))
        with _at(midnight - timedelta(days=6)):
            req = series.make_occurrence(shop)
        with _at(midnight + timedelta(hours=11)):
            services.complete(req, actor=tom)
    series.make_due_occurrences(now)
    return str(shop)


def _exclusion(group, people, now) -> None:
    """Someone the group stopped serving rings again: held for a coordinator, not queued."""
    with _at(now - timedelta(days=40)):
        exclusions.add_exclusion(group, reason="abuse", phone=EXCLUDED_PHONE, actor=people["priya"],
                                 note="Shouted at and threatened a volunteer at the door.")
    with _at(now - timedelta(hours=3)):
        take_request(group, channel="web", contact=Contact(name="Ray", phone=EXCLUDED_PHONE),
                     need=Need(service="shopping"))


def _missed_calls(group, people, now) -> None:
    for hours, suffix, name in [(1, "0651", "Beryl"), (7, "0652", "")]:
        with _at(now - timedelta(hours=hours)):
            callbacks.note_missed_call(group, phone=f"+44207946{suffix}", caller_name=name,
                                       note="Left a voicemail on the group line.",
                                       acting_user=people["sam"])


# Tom's live offer stays open this long, so whoever tries the demo this week finds it waiting.
DEMO_OFFER_DAYS = 7


def _offer_for_tom(group, people, now) -> None:
    """A dog walk offered to Tom and two neighbours, still open when you sign in as Tom."""
    from kith.matching.adapter import rank_need
    from kith.matching.models import Offer
    from kith.matching.offers import need_for, offer_round

    tom = people["tom"]
    if group.residents.filter(name="Winifred").exists():
        return  # played already: running the demo again adds nothing
    contact = Contact(name="Winifred", phone="+442079460631", postcode="W10 5NW",
                      address="31 Golborne Road, London W10 5NW")
    with _at(now - timedelta(minutes=40)):
        req = take_request(group, channel="phone", contact=contact, acting_user=people["sam"],
                           triage=True, need=Need(service="dog_walking", urgency="week",
                                                  details="Biscuit, a small terrier; 20 minutes.")
                           ).request
        policy = RequestPolicy.for_group(group)
        ranking = rank_need([group.pk], need_for(req, policy), policy.weights(), k=20)
        chosen = sorted(ranking.candidates, key=lambda c: c.volunteer.id != tom.pk)[:3]
        offer_round(req, actor=None, chosen=chosen)
    req.offers.filter(state=Offer.State.OPEN).update(expires_at=now + timedelta(days=DEMO_OFFER_DAYS))


def load_requests(ctx) -> str:
    group = ctx.groups["golborne-road"]
    people = {k: ctx.people[k] for k in ("priya", "sam", "tom")}
    if HelpRequest.objects.filter(group=group).exists():
        _offer_for_tom(group, people, timezone.now())
        return f"{HelpRequest.objects.count()} help requests (already there)"
    RequestPolicy.objects.get_or_create(group=group)
    # Bea (text only) keeps a clear week, so the demo's offers by text reach her fresh.
    personas = (people["tom"], ctx.people["bea"])
    helpers = [p for p in _volunteers(group) if p not in personas] or [people["tom"]]
    now = timezone.now()
    for story in STORIES:
        _story(group, people, helpers, story, now)
    for days, name, suffix, service, steps in OLD_STORIES:
        _story(group, people, helpers, (days * 24, name, suffix, "W10 5NW", service, "soon",
                                        False, "phone", steps), now,
               details=OLD_NOTE, step_hours=24)
    _weekly_shop(group, people, now)
    _exclusion(group, people, now)
    _missed_calls(group, people, now)
    _offer_for_tom(group, people, now)
    # Mrs Ahmed lives alone: a check-in call every week.
    Resident.objects.filter(group=group, name="Mrs Ahmed").update(at_risk=True, check_in_days=7)
    _other_streets(ctx, now)
    waiting = Callback.objects.filter(outcome="", not_before__lte=now).count()
    return f"{HelpRequest.objects.count()} help requests, {waiting} callbacks waiting"


def _other_streets(ctx, now) -> None:
    """A few web requests on the other streets, so every queue has something in it."""
    for n, street in enumerate(ctx.streets[1:], start=1):
        with _at(now - timedelta(hours=3 * n)):
            take_request(street, channel="web", need=Need(service="shopping"),
                         contact=Contact(name=f"Neighbour {n}", phone=f"+44207946{700 + n:04d}",
                                         postcode_sector=street.coverage[0]))
