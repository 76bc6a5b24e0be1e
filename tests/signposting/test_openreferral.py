"""Open Referral UK in and out: a council's file imported, the group's own exported in the
same shape and valid against the schema, and a round trip (import, export, import) giving the
same directory. Bad files are reported service by service and never half-imported."""

from __future__ import annotations

import copy
import io
import json
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from kith.core.models import AuditEvent
from kith.groups.models import Group
from kith.signposting import openreferral
from kith.signposting.models import LocalService
from kith.signposting.oruk_schema import PAGE, SERVICE, validate
from tests.factories import GroupFactory

pytestmark = pytest.mark.django_db

COUNCIL = Path(__file__).parent / "fixtures" / "council.json"
# What a directory is, as people use it; bookkeeping (ids, when saved) left out.
DIRECTORY_FIELDS = ("uid", "organisation_uid", "organisation", "name", "description",
                    "eligibility", "needs", "phone", "email", "website", "address", "postcode",
                    "lat", "lon", "opening_times", "radius_miles", "coverage", "languages",
                    "cost", "how_to_refer", "status", "last_checked")


def directory(group: Group) -> list[tuple]:
    return sorted(tuple(str(getattr(s, f)) for f in DIRECTORY_FIELDS)
                  for s in group.local_services.all())


def council() -> dict:
    return json.loads(COUNCIL.read_text())


def _bytes(data) -> bytes:
    return json.dumps(data).encode()


def test_it_reads_a_councils_file(street, priya):
    result = openreferral.import_directory(street, COUNCIL.read_bytes(), acting_user=priya)
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    larder = street.local_services.get(name="Westway Community Larder")
    assert (larder.organisation, larder.postcode, larder.address, larder.phone) == (
        "Westway Trust Partners", "W10 5AA", "Unit 3, 240 Acklam Road, London", "020 7946 0610")
    assert larder.coverage == ["W10", "W11 1"]  # "North Kensington" is said, not an area
    assert (larder.languages, larder.cost, larder.opening_times) == (
        ["English", "ar"], "Members £3.5 a week", "MO,TH 10:00–14:00")
    assert (larder.needs, larder.last_checked, larder.lat is not None) == (
        ["food"], date(2026, 9, 14), True)
    advice = street.local_services.get(name="Debt advice drop-in")
    assert (advice.needs, advice.eligibility, advice.cost) == (["money"], "Aged 18 and over", "Free")
    assert street.local_services.get(name="Winter night shelter").status == "temporarily closed"
    actions = list(AuditEvent.objects.filter(group=street).order_by("pk")
                   .values_list("action", flat=True))
    assert actions.count("kith.service.created") == 3 and actions[-1] == "kith.service.imported"


def test_its_export_is_valid_against_the_schema(street, priya, food_bank, kitchen):
    openreferral.import_directory(street, COUNCIL.read_bytes(), acting_user=priya)
    exported = openreferral.export_directory(street)
    assert validate(exported, PAGE) == []
    assert exported["total_items"] == 4  # its own: the ward's food bank is the ward's to export
    assert all("caution" not in json.dumps(s) for s in exported["contents"])


def test_a_round_trip_gives_the_same_directory(street, priya, kitchen, ward, ward_coordinator,
                                              food_bank, advice_line):
    openreferral.import_directory(street, COUNCIL.read_bytes(), acting_user=priya)
    first = openreferral.export_directory(street)
    elsewhere = GroupFactory(slug="elsewhere", name="Elsewhere", kind=Group.Kind.STREET,
                             parent=ward)
    openreferral.import_directory(elsewhere, _bytes(first), acting_user=priya)
    assert directory(elsewhere) == directory(street)
    assert openreferral.export_directory(elsewhere) == first
    # ...and again: nothing changes, nothing is written.
    rows = AuditEvent.objects.count()
    again = openreferral.import_directory(elsewhere, _bytes(first), acting_user=priya)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
    assert AuditEvent.objects.count() == rows + 1  # the import's own summary row only
    # The ward's services, with a radius and a phone-only line, survive the trip too.
    ward_file = openreferral.export_directory(ward)
    other_ward = GroupFactory(slug="other-ward", name="Other Ward", kind=Group.Kind.WARD)
    openreferral.import_directory(other_ward, _bytes(ward_file), acting_user=priya)
    assert directory(other_ward) == directory(ward)


def test_importing_again_keeps_the_groups_own_notes(street, priya, kitchen):
    kitchen_file = openreferral.export_directory(street)
    LocalService.objects.filter(pk=kitchen.pk).update(caution="Cash only", is_public=True)
    changed = copy.deepcopy(kitchen_file)
    changed["contents"][0]["description"] = "Now on Sundays too"
    result = openreferral.import_directory(street, _bytes(changed), acting_user=priya)
    kitchen.refresh_from_db()
    assert result.updated == 1
    assert (kitchen.description, kitchen.caution, kitchen.is_public) == (
        "Now on Sundays too", "Cash only", True)


def _refused(group, data, actor) -> list[str]:
    with pytest.raises(openreferral.ImportRefused) as refused:
        openreferral.import_directory(group, data if isinstance(data, bytes) else _bytes(data),
                                      acting_user=actor)
    assert not group.local_services.exists()
    assert not AuditEvent.objects.filter(action__startswith="kith.service").exists()
    return refused.value.problems


def test_a_bad_file_is_reported_service_by_service_and_nothing_is_imported(street, priya):
    data = council()
    good, second, third = data["contents"]
    second["status"] = "open"
    second["url"] = "www.example.org"
    del third["id"]
    good_copy = copy.deepcopy(good)  # the same id twice
    good_copy["name"] = "Larder again"
    data["contents"].append(good_copy)
    data["contents"].append({"id": "0b6d2a9e-6c1f-4e33-9a51-2f0c7d3e8a09", "name": "Shelter",
                             "status": "active", "organization": {
                                 "id": "5f0e1c2b-3a4d-4b6c-8d9e-0f1a2b3c4d59",
                                 "name": "Golborne\u202eTrust", "description": ""}})
    problems = _refused(street, data, priya)
    assert problems == [
        "Service 2 (“Debt advice drop-in”): url is “www.example.org”, not a web address "
        "starting http:// or https://.",
        "Service 2 (“Debt advice drop-in”): status is “open”; it should be one of: active, "
        "inactive, defunct, temporarily closed.",
        "Service 3 (“Winter night shelter”): id is missing.",
        "Service 4 (“Larder again”): it has the same id as service 1.",
        problems[4],
    ]
    assert problems[4].startswith("Service 5 (“Shelter”): its organisation “Golborne\u202eTrust”")
    assert "hidden character" in problems[4]


@pytest.mark.parametrize("raw, words", [
    (b'{"contents": [', "The file is not JSON: Expecting value at line 1, column 15."),
    (b"\xff\xfe\x00", "The file is not text in UTF-8"),
    (b'"services"', "neither a list of services nor a page"),
    (b'{"contents": {}}', "contents should be a list"),
    (b"[1]", "Service 1: the service should be an object."),
    (b'[{"id": "0b6d2a9e-6c1f-4e33-9a51-2f0c7d3e8a01", "name": "X", "status": "active"}]',
     "Service 1 (“X”): it has no organization (who runs it)."),
])
def test_it_says_what_is_wrong_with_a_file_it_cannot_read(street, priya, raw, words):
    assert any(words in p for p in _refused(street, raw, priya))


def test_a_postcode_kith_cannot_place_stops_the_whole_file(street, priya):
    data = council()
    address = data["contents"][0]["service_at_locations"][0]["location"]["addresses"][0]
    address["postal_code"] = "N20 0ZZ"  # laid out right; the ONS directory has no point for it
    problems = _refused(street, data, priya)
    assert problems == [f"Service 1 (“Westway Community Larder”): {problems[0].split(': ', 1)[1]}"]
    assert "N20 0ZZ" in problems[0]


def test_the_schema_check_can_fail():
    assert validate({"id": "x"}, SERVICE) == [
        "name is missing", "status is missing",
        "id is “x”, not an identifier like 3a19ff88-4620-4d17-9830-ac1d859eb5d5"]


def test_a_coordinator_imports_through_the_page(client, street, priya):
    client.force_login(priya)
    url = reverse("signposting:import", args=[street.slug])
    bad = io.BytesIO(b'[{"name": "X"}]')
    bad.name = "bad.json"
    response = client.post(url, {"file": bad})
    assert response.status_code == 400
    assert "Nothing was imported: 2 problems" in response.content.decode()
    with COUNCIL.open("rb") as upload:
        response = client.post(url, {"file": upload})
    assert response.status_code == 302
    assert street.local_services.count() == 3


def test_the_export_downloads_as_json(client, street, priya, kitchen):
    client.force_login(priya)
    response = client.get(reverse("signposting:export", args=[street.slug]))
    assert response["Content-Type"].startswith("application/json")
    assert "golborne-road-services.json" in response["Content-Disposition"]
    assert json.loads(response.content)["contents"][0]["name"] == "Community kitchen"


def test_the_command_checks_imports_and_exports(tmp_path, street, priya):
    out = io.StringIO()
    call_command("services", "import", str(COUNCIL), "--group", street.slug, "--check",
                 stdout=out)
    assert "3 services read, no problems" in out.getvalue()
    assert not street.local_services.exists()
    call_command("services", "import", str(COUNCIL), "--group", street.slug, "--by",
                 priya.email, stdout=out)
    assert street.local_services.count() == 3
    target = tmp_path / "out.json"
    call_command("services", "export", "--group", street.slug, "--out", str(target),
                 stderr=io.StringIO())
    assert json.loads(target.read_text())["total_items"] == 3
    bad = tmp_path / "bad.json"
    bad.write_text("[{}]")
    err = io.StringIO()
    with pytest.raises(CommandError, match="Nothing imported: 3 problems"):
        call_command("services", "import", str(bad), "--group", street.slug, stderr=err)
    assert "Service 1: id is missing." in err.getvalue()


DEEP = b"[" * 100_000 + b"]" * 100_000


def test_a_deeply_nested_file_is_reported_not_a_crash(client, tmp_path, street, priya):
    problems = _refused(street, DEEP, priya)
    assert problems == ["The file is nested too deeply to be a list of services: check it is "
                        "the council's Open Referral UK file."]
    client.force_login(priya)
    upload = io.BytesIO(DEEP)
    upload.name = "deep.json"
    response = client.post(reverse("signposting:import", args=[street.slug]), {"file": upload})
    assert response.status_code == 400
    assert "nested too deeply" in response.content.decode()
    path = tmp_path / "deep.json"
    path.write_bytes(DEEP)
    err = io.StringIO()
    with pytest.raises(CommandError, match="Nothing imported: 1 problems"):
        call_command("services", "import", str(path), "--group", street.slug, stderr=err)
    assert "nested too deeply" in err.getvalue()


@pytest.mark.parametrize("name", ["", "   "])
def test_a_service_without_a_name_is_refused(street, priya, name):
    data = council()
    data["contents"][1]["name"] = name
    assert _refused(street, data, priya) == ["Service 2: its name is empty."]


def test_control_characters_are_refused_as_the_form_refuses_them(tmp_path, street, priya):
    data = council()
    data["contents"][0]["description"] = "Fresh food\u0000 every week"
    data["contents"][2]["name"] = "Winter\u0007shelter"
    problems = _refused(street, data, priya)
    assert len(problems) == 2
    assert problems[0].startswith("Service 1 (“Westway Community Larder”): its description: "
                                  "This has a hidden character (U+0000")
    assert problems[1].startswith("Service 3 (“Winter\u0007shelter”): its name “Winter")
    assert "hidden character (U+0007" in problems[1]
    path = tmp_path / "nul.json"
    path.write_bytes(_bytes(data))
    err = io.StringIO()
    with pytest.raises(CommandError, match="Nothing imported: 2 problems"):
        call_command("services", "import", str(path), "--group", street.slug, stderr=err)
    assert not street.local_services.exists()


def test_line_breaks_in_free_text_are_still_welcome(street, priya):
    data = council()
    data["contents"][0]["description"] = "Fresh food\nevery week"
    openreferral.import_directory(street, _bytes(data), acting_user=priya)
    assert street.local_services.filter(description="Fresh food\nevery week").exists()
