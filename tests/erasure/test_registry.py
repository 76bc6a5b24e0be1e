"""Every text, sealed or JSON field of every model has an erasure decision, with a reason."""

from __future__ import annotations

from django.apps import apps

from kith.erasure.registry import KEEP, OWN, REGISTRY, TEXT, text_fields


def test_every_field_that_can_hold_words_is_decided():
    missing = []
    for model in apps.get_models():
        rules = REGISTRY.get(model._meta.label, {})
        missing += [f"{model._meta.label}.{f.name}" for f in text_fields(model)
                    if f.name not in rules]
    assert missing == [], "Decide in kith/erasure/registry.py what erasure does with: " + \
        ", ".join(missing)


def test_every_decision_names_a_real_field_and_says_why():
    for label, rules in REGISTRY.items():
        model = apps.get_model(label)
        names = {f.name for f in model._meta.concrete_fields}
        for name, rule in rules.items():
            assert name in names, f"{label}.{name} is not a field"
            assert rule.action in (OWN, TEXT, KEEP)
            assert rule.why.strip()


def test_a_new_field_would_be_caught(monkeypatch):
    """The check above can fail: take one decision away and it names the field."""
    trimmed = {**REGISTRY, "residents.Resident": {
        k: v for k, v in REGISTRY["residents.Resident"].items() if k != "notes"}}
    monkeypatch.setattr("kith.erasure.registry.REGISTRY", trimmed)
    from kith.erasure import registry

    model = apps.get_model("residents.Resident")
    assert "notes" in {f.name for f in registry.text_fields(model)} - set(
        registry.REGISTRY["residents.Resident"])


def test_fields_people_type_freely_are_redacted_on_other_peoples_rows_too():
    """Review 16 #14: a resident's notes naming a neighbour kept the neighbour's details after
    the neighbour's erasure, because notes were OWN (only blanked on the resident's rows)."""
    typed = ["residents.Resident.notes", "requests.HelpRequest.asked_by",
             "requests.HelpRequest.partner_contact", "requests.Callback.caller_name",
             "messaging.InboundText.body", "safeguarding.Case.contact",
             "safeguarding.Case.victim", "partners.PartnerReferral.consent_given_by_name",
             "transparency.ExportLink.payload"]
    for path in typed:
        label, name = path.rsplit(".", 1)
        assert REGISTRY[label][name].action == TEXT, path
