"""The money pages end to end through the test client: Tom records Mrs Ahmed's shopping with
a receipt photo, she pays cash, the check-up confirms it, Tess (treasurer) approves and
reimburses, the ledger and its CSV show it; bad input keeps what was typed."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from kith.core.models import AuditEvent, PersonalDataAccess
from kith.money import ledger, receipts, services
from kith.money.models import Claim, JournalEntry, Receipt
from tests.money.conftest import jpeg_bytes, receipt_upload

pytestmark = pytest.mark.django_db


def _spend(client, req, *, upload=None, **changes):
    data = {"action": "spend", "spend-shop": "Tesco Express", "spend-spent_at": "2026-12-03T11:05",
            "spend-item_1": "Bread, milk, eggs", "spend-price_1": "£23.40",
            "spend-goods_only": "on",
            "spend-receipt": upload or receipt_upload()}
    data.update(changes)
    return client.post(reverse("money:task", args=[req.group.slug, req.reference]), data)


def test_tom_records_shopping_and_tess_settles_it(client, shopping, tom, tess, sam, priya):
    client.force_login(tom)
    response = _spend(client, shopping)
    assert response.status_code == 302, response.content.decode()[:3000]
    claim = Claim.objects.get()
    assert claim.amount == Decimal("23.40") and claim.state == "submitted"
    assert ledger.owed_on_request(shopping) == Decimal("23.40")
    # The photo kept: downscaled, no EXIF at all, encrypted on disk.
    stored = Receipt.objects.get()
    raw = (receipts.receipts_dir() / stored.file_name).read_bytes()
    assert b"JFIF" not in raw and b"PhoneMaker" not in raw
    image = Image.open(io.BytesIO(receipts.open_receipt(stored.file_name)))
    assert max(image.size) <= receipts.LONGEST_SIDE
    assert not image.getexif() and "exif" not in image.info
    # Tom sees his own receipt; the look is logged.
    response = client.get(reverse("money:receipt", args=[shopping.group.slug, claim.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert PersonalDataAccess.objects.filter(viewer=tom, field="receipt").count() == 1
    # Cash at the door, then the check-up call confirms it.
    client.post(reverse("money:task", args=[shopping.group.slug, shopping.reference]),
                {"action": "cash", "cash-amount": "23.40"})
    assert ledger.owed_on_request(shopping) == 0
    client.force_login(sam)
    check = JournalEntry.objects.get(kind="cash").cash_check
    client.post(reverse("money:task", args=[shopping.group.slug, shopping.reference]),
                {"action": "confirm", "check": check.pk, "paid": "yes"})
    check.refresh_from_db()
    assert check.outcome == "confirmed"
    # Tess approves and reimburses (the group holds a donation).
    client.force_login(tess)
    services_fund(shopping.group, tess)
    assert client.get(reverse("money:queue", args=[shopping.group.slug])).status_code == 200
    response = client.post(reverse("money:claim", args=[shopping.group.slug, claim.pk]),
                           {"action": "approve"})
    assert response.status_code == 302
    url = reverse("money:reimburse", args=[shopping.group.slug, tom.pk])
    response = client.post(url, {"action": "reimburse", "reimburse-amount": "23.40",
                                 "reimburse-bank_reference": "BACS 0412"})
    assert response.status_code == 302
    page = client.get(reverse("money:ledger", args=[shopping.group.slug])).content.decode()
    assert "BACS 0412" in page and "£76.60" in page
    csv = client.get(reverse("money:csv", args=[shopping.group.slug])).content.decode()
    assert "BACS 0412" in csv and "23.40" in csv
    assert AuditEvent.objects.filter(action__startswith="kith.money.").count() >= 6


def services_fund(group, tess):
    from django.db import transaction

    with transaction.atomic():
        services.fund_in(group, kind="donation", amount=Decimal("100.00"),
                         description="Street party", actor=tess)


@pytest.mark.parametrize("price, message", [
    ("0", "more than £0.00"), ("-3", "more than £0.00"), ("12.345", "pounds and pence only"),
    ("twelve", "like 12.50"),
])
def test_bad_amounts_are_refused_and_kept(client, shopping, tom, price, message):
    client.force_login(tom)
    response = _spend(client, shopping, **{"spend-price_1": price})
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page and f'value="{price}"' in page
    assert "choose it again" in page  # a browser never refills a file box
    assert not Claim.objects.exists() and not JournalEntry.objects.exists()


def test_a_file_that_is_not_an_image_is_refused(client, shopping, tom):
    client.force_login(tom)
    fake = SimpleUploadedFile("receipt.jpg", b"%PDF-1.4 not a photo", content_type="image/jpeg")
    response = _spend(client, shopping, upload=fake)
    assert response.status_code == 400
    assert "not a photo Kith can read" in response.content.decode()
    assert not Claim.objects.exists() and not list(receipts.receipts_dir().iterdir())


def test_a_photo_over_10_mb_is_refused(client, shopping, tom, monkeypatch):
    monkeypatch.setattr(receipts, "MAX_UPLOAD", 1000)
    client.force_login(tom)
    response = _spend(client, shopping)
    assert response.status_code == 400 and "bigger than 10 MB" in response.content.decode()


def test_tips_and_time_are_not_goods(client, shopping, tom):
    client.force_login(tom)
    response = _spend(client, shopping, **{"spend-item_2": "Tip for my time",
                                           "spend-price_2": "2.00"})
    assert response.status_code == 400 and "never your time" in response.content.decode()
    assert not Claim.objects.exists()


def test_over_the_limit_needs_a_coordinator_first(client, shopping, tom, priya):
    client.force_login(tom)
    response = _spend(client, shopping, **{"spend-price_1": "45.00"})
    assert response.status_code == 400 and "Ring a coordinator" in response.content.decode()
    client.force_login(priya)
    client.post(reverse("money:task", args=[shopping.group.slug, shopping.reference]),
                {"action": "limit", "limit-amount": "50"})
    client.force_login(tom)
    assert _spend(client, shopping, **{"spend-price_1": "45.00"}).status_code == 302


def test_a_half_recorded_claim_never_touches_the_ledger(shopping, tom, monkeypatch):
    from kith.money import ledger as books

    def broken(*args, **kwargs):
        raise RuntimeError("the disk filled up")

    monkeypatch.setattr(books, "post", broken)
    with pytest.raises(RuntimeError):
        services.record_claim(shopping, volunteer=tom, shop="Tesco",
                              spent_at=Claim._meta.get_field("created_at").default(),
                              lines=[("Bread", Decimal("2.00"))], upload=receipt_upload())
    assert not Claim.objects.exists() and not Receipt.objects.exists()
    assert not list(receipts.receipts_dir().iterdir())


def test_the_same_receipt_twice_is_flagged(shopping, tom):
    from django.utils import timezone

    from kith.money.models import Flag

    photo = jpeg_bytes((10, 20, 30))
    for _n in range(2):
        services.record_claim(shopping, volunteer=tom, shop="Tesco", spent_at=timezone.now(),
                              lines=[("Bread", Decimal("2.00"))],
                              upload=SimpleUploadedFile("r.jpg", photo))
    flag = Flag.objects.get()
    assert flag.kind == "duplicate" and "same receipt photo" in flag.why


def test_the_figures_add_up_and_reach_the_dashboard(client, shopping, tom, tess, priya):
    from django.db import transaction

    from kith.money.figures import money_figures

    claim = services.record_claim(shopping, volunteer=tom, shop="Tesco",
                                  spent_at=Claim._meta.get_field("created_at").default(),
                                  lines=[("Bread", Decimal("10.00"))], upload=receipt_upload())
    with transaction.atomic():
        services.fund_in(shopping.group, kind="grant", amount=Decimal("50.00"),
                         description="Council", actor=tess)
    services.record_cash(shopping, volunteer=tom, amount=Decimal("4.00"))
    services.cover_from_hardship(shopping, amount=Decimal("6.00"), actor=priya)
    services.approve(claim, actor=tess)
    services.reimburse(shopping.group, tom, amount=Decimal("10.00"), bank_reference="B1",
                       actor=tess)
    cash = JournalEntry.objects.get(kind="cash")
    services.confirm_cash(cash.cash_check, actor=priya, paid=False)  # reversed: owed again
    figures = money_figures(shopping.group)
    assert (figures.spent, figures.repaid, figures.hardship, figures.reimbursed,
            figures.grants, figures.outstanding, figures.fund_balance) == (
        Decimal("10.00"), Decimal("0.00"), Decimal("6.00"), Decimal("10.00"),
        Decimal("50.00"), Decimal("4.00"), Decimal("40.00"))
    client.force_login(priya)
    page = client.get(reverse("groups:dashboard", args=[shopping.group.slug])).content.decode()
    assert "Covered by the hardship fund" in page and "£40.00" in page
    client.force_login(tom)
    page = client.get(reverse("groups:dashboard", args=[shopping.group.slug])).content.decode()
    assert "Covered by the hardship fund" not in page


def test_the_resident_sees_what_is_owed_and_how_to_pay(client, shopping, tom, priya):
    import time

    from django.db import transaction

    from kith.requests import views_public

    services.record_claim(shopping, volunteer=tom, shop="Tesco",
                          spent_at=Claim._meta.get_field("created_at").default(),
                          lines=[("Bread", Decimal("23.40"))], upload=receipt_upload())
    with transaction.atomic():
        services.update_settings(shopping.group, actor=priya, bank_account_name="Golborne MA",
                                 bank_sort_code="20-00-00", bank_account_number="12345678")
    session = client.session
    session[views_public.STATUS_REQUEST] = {"id": shopping.pk, "until": time.time() + 600}
    session.save()
    page = client.get(reverse("requests:status_view")).content.decode()
    assert "You still owe £23.40." in page
    assert f"KITH {shopping.reference}" in page and "sort code 20-00-00" in page
    assert "nobody will ask you to prove anything" in page
    services.cover_from_hardship(shopping, amount=Decimal("23.40"), actor=priya)
    page = client.get(reverse("requests:status_view")).content.decode()
    assert "You have nothing to pay" in page


def test_the_today_page_and_the_check_up_call_show_the_money_waiting(client, shopping, tom,
                                                                     tess, priya, sam):
    from kith.requests import check_ups
    from kith.requests.models import Callback

    services.record_claim(shopping, volunteer=tom, shop="Tesco",
                          spent_at=Claim._meta.get_field("created_at").default(),
                          lines=[("Bread", Decimal("4.00"))], upload=receipt_upload())
    services.record_cash(shopping, volunteer=tom, amount=Decimal("4.00"))
    client.force_login(tess)
    page = client.get(reverse("groups:dashboard", args=[shopping.group.slug])).content.decode()
    assert "spending claim waiting for the treasurer" in page
    check_up = Callback.objects.filter(request=shopping, kind__in=check_ups.CHECK_KINDS).first()
    if check_up is None:
        from django.utils import timezone

        check_up = Callback.objects.create(group=shopping.group, kind="check_up",
                                           request=shopping, resident=shopping.resident,
                                           due_at=timezone.now())
    client.force_login(sam)
    page = client.get(reverse("requests:callback", args=[shopping.group.slug, check_up.pk]))
    assert "£4.00 paid in cash at the door" in page.content.decode()
