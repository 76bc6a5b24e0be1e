"""The call screen records each answer the script asks for, where it belongs (scripts.Ask.to):
the pharmacy and the rest of what they need on the request's sealed details, the day, urgency
and who asked on the request, the address, postcode and language on the resident."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kith.core.models import AuditEvent
from kith.groups.catalogue import SERVICE_LABELS, SERVICES, needs_address
from kith.requests import callbacks, scripts
from kith.requests.intake import Contact, Need, take_request
from kith.requests.models import CallAttempt, HelpRequest
from tests.conftest import confirm_two_factor, enable_totp

pytestmark = pytest.mark.django_db


@pytest.fixture
def prescription(street):
    """Joan asked on the web for a prescription: a phone number, an area, no address."""
    return take_request(street, channel="web",
                        contact=Contact(name="Joan", phone="+447911123456", postcode_sector="W10 5"),
                        need=Need(service="prescriptions", details="Blood pressure tablets")).request


@pytest.fixture
def on_call(client, sam, prescription):
    enable_totp(sam)
    client.force_login(sam)
    confirm_two_factor(client)
    call = prescription.callbacks.get()
    assert callbacks.claim(call, sam)
    return call


def _url(name, call):
    return reverse(f"requests:{name}", args=[call.group.slug, call.pk])


def _details(req):
    return HelpRequest.objects.get(pk=req.pk).details._open()


def _post(client, call, outcome="reached", **answers):
    data = {"outcome": outcome, **{f"answer-{k}": v for k, v in answers.items()}}
    return client.post(_url("attempt", call), data)


def test_every_answer_the_script_asks_has_a_box(client, on_call):
    text = client.get(_url("callback", on_call)).content.decode()
    for ask in scripts.asks_of(scripts.script_for("prescriptions", group="G")):
        assert f'name="answer-{ask.key}"' in text, ask.key
    assert "Pharmacy" in text and "Where they live" in text
    assert "Not recorded yet." in text  # no address or full postcode yet


def test_each_answer_is_saved_where_it_belongs(client, sam, on_call, prescription):
    response = _post(client, on_call, pharmacy="Boots, Golborne Road", ready="Yes, from 2pm",
                     charge="Free (over 60)", when="Thursday morning", urgency="today",
                     asked_by="Her son, Dev", address="7 Golborne Road", postcode="W10 5NW",
                     at_the_door="Buzzer 3; knock loudly", language="Bengali")
    assert response.status_code == 302
    req = HelpRequest.objects.get(pk=prescription.pk)
    assert _details(req) == ("Blood pressure tablets\nPharmacy: Boots, Golborne Road\n"
                             "Ready to collect: Yes, from 2pm\nPrescription charge: Free (over 60)\n"
                             "At the door: Buzzer 3; knock loudly")
    assert (req.when, req.urgency, req.asked_by) == ("Thursday morning", "today", "Her son, Dev")
    resident = req.resident
    resident.refresh_from_db()
    assert resident.address._open() == "7 Golborne Road"
    assert (resident.postcode._open(), resident.postcode_sector) == ("W10 5NW", "W10 5")
    assert resident.language == "Bengali"
    actions = list(AuditEvent.objects.filter(actor=sam).values_list("action", flat=True))
    assert "kith.resident.corrected" in actions and "kith.request.corrected" in actions
    assert on_call.attempts.get().outcome == CallAttempt.Outcome.REACHED
    assert "Boots" not in str(list(AuditEvent.objects.values_list("old", "new")))


def test_answers_without_reaching_them_are_kept_and_nothing_is_saved(client, on_call,
                                                                    prescription):
    response = _post(client, on_call, outcome="no_answer", pharmacy="Boots")
    text = response.content.decode()
    assert response.status_code == 400
    assert "saved only when you reached them" in text and 'value="Boots"' in text
    assert _details(prescription) == "Blood pressure tablets"
    assert not on_call.attempts.exists()


def test_a_bad_postcode_keeps_every_answer_and_logs_no_call(client, on_call, prescription):
    response = _post(client, on_call, pharmacy="Boots", postcode="W1O 5NW",
                     address="7 Golborne Road")
    text = response.content.decode()
    assert response.status_code == 400
    assert "Did you mean W10 5NW?" in text
    assert 'value="Boots"' in text and "7 Golborne Road" in text
    assert not on_call.attempts.exists()
    assert not AuditEvent.objects.filter(action__endswith=".corrected").exists()


def test_saving_the_call_with_nothing_new_writes_no_correction(client, on_call, prescription):
    response = _post(client, on_call, urgency=prescription.urgency, when="", language="")
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(action__endswith=".corrected").exists()
    assert on_call.attempts.get().outcome == CallAttempt.Outcome.REACHED


@pytest.mark.parametrize("service", [key for key, _ in SERVICES])
def test_each_kind_of_help_asks_where_they_live_only_when_a_volunteer_goes_there(service):
    script = scripts.script_for(service, group="G")
    asks = scripts.asks_of(script)
    keys = [ask.key for ask in asks]
    assert len(keys) == len(set(keys))
    assert all(ask.to in scripts.PLACES for ask in asks)
    assert ("address" in keys) == needs_address(service)
    own = [ask for step in script.steps if step.own for ask in step.asks]
    assert any(ask.to == scripts.DETAILS for ask in own)  # what they need, in boxes


def test_every_word_of_every_script_is_marked_for_translation():
    """Labels, headings and what to say are lazy translations: read in the reader's language,
    not frozen in English when the module loads. (A kind of help's script is titled with the
    service's name, from the one list in groups/catalogue.py.)"""
    from django.utils.functional import Promise

    from kith.requests.scripts import SCRIPTS

    unmarked = []
    for script in SCRIPTS.values():
        title = [] if script.key in SERVICE_LABELS else [script.title]
        words = title + [w for step in script.steps for w in (step.heading, step.say)]
        words += [w for step in script.steps for ask in step.asks for w in (ask.label, ask.line)
                  if w]
        unmarked += [(script.key, str(w)) for w in words if not isinstance(w, Promise)]
    assert unmarked == []


def test_a_script_is_put_together_in_the_readers_language(monkeypatch):
    """Swap every translation for a marker: the filled-in script is all marked text, with the
    group and reference put in (a `+` or an f-string at import time would leave English)."""
    from django.utils import translation

    from kith.requests.scripts import script_for

    monkeypatch.setattr(translation, "gettext", lambda text: f"«{text}»")
    monkeypatch.setattr("django.utils.translation._trans.gettext", lambda text: f"«{text}»",
                        raising=False)
    script = script_for("shopping", group="Golborne Road", reference="K7QX-42")
    assert script is not None
    for step in script.steps:
        assert step.heading.__str__().startswith("«"), step.heading
        assert "«" in step.say and "{group}" not in step.say and "{reference}" not in step.say
