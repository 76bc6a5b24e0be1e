"""Money's world: Golborne Road gains Tess, its treasurer; Tom holds Mrs Ahmed's shopping
(assigned by Priya). Receipt photos go to a fresh folder per test."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import MembershipFactory, PersonFactory


@pytest.fixture(autouse=True)
def _receipts_dir(settings, tmp_path):
    settings.KITH_RECEIPTS_DIR = tmp_path / "receipts"


@pytest.fixture
def tess(street):
    person = PersonFactory(email="tess@example.org", display_name="Tess Morgan")
    MembershipFactory(person=person, group=street, is_treasurer=True)
    return person


def cleared(person, group, coordinator):
    """A volunteer profile, today's consents and approval with every check, made directly."""
    from datetime import date

    from django.utils import timezone

    from kith.volunteers.models import CONSENT_VERSIONS, Consent, Vetting, VolunteerProfile

    if not VolunteerProfile.objects.filter(person=person).exists():
        VolunteerProfile.objects.create(person=person, services=["shopping", "prescriptions"])
        Consent.objects.bulk_create([Consent(person=person, kind=kind, version=version)
                                     for kind, version in CONSENT_VERSIONS.items()])
    day = date(2026, 1, 5)
    Vetting.objects.get_or_create(person=person, group=group, defaults=dict(
        approved_at=timezone.now(), approved_by=coordinator, id_seen_at=day, references_at=day,
        dbs_level="enhanced", dbs_date=day))


def make_task(street, resident, volunteer, coordinator, service="shopping"):
    from kith.requests import services
    from kith.requests.intake import Contact, Need, take_request

    req = take_request(street, channel="web", contact=Contact(name=resident.name),
                       need=Need(service=service), resident=resident).request
    services.transition(req, "triage", actor=coordinator)
    cleared(volunteer, street, coordinator)
    services.assign(req, volunteer, actor=coordinator, reason="Lives nearby")
    return req


@pytest.fixture
def shopping(street, mrs_ahmed, tom, priya):
    return make_task(street, mrs_ahmed, tom, priya)


def jpeg_bytes(colour=(200, 180, 160), size=(2400, 1800), gps=True) -> bytes:
    """A photo as a phone makes it: big, with EXIF that says where it was taken."""
    from PIL import Image

    image = Image.new("RGB", size, colour)
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Phone 12"  # Model
    if gps:
        exif[0x8825] = {1: "N", 2: (51.0, 31.0, 30.0), 3: "W", 4: (0.0, 12.0, 36.0)}
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def receipt_upload(colour=(200, 180, 160), name="receipt.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg_bytes(colour), content_type="image/jpeg")


def spent_at():
    from django.utils import timezone

    return timezone.make_aware(datetime(2026, 12, 3, 11, 5))
