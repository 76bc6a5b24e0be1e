"""Money in a real browser on a 390 px phone: Tom buys Mrs Ahmed's shopping and photographs
the receipt (a phone's JPEG that says where it was taken: Kith strips that), she pays him
cash at the door, Sam confirms it at the check-up call, Tess the treasurer approves the claim,
records Tom's reimbursement with its bank reference and the cash he pays in, and the ledger
shows it all. Every page axe-clean; screenshots in test-artifacts/."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from django.conf import settings as dj_settings
from django.db import transaction
from django.test import Client
from django.urls import reverse
from PIL import Image

from kith.money import receipts, services
from kith.money.models import Claim, Receipt
from tests.money.conftest import (  # noqa: F401 (fixtures)
    _receipts_dir,
    jpeg_bytes,
    shopping,
    tess,
)

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}


def _become(page, live_server, person) -> None:
    client = Client()
    client.force_login(person)
    page.context.clear_cookies()
    page.context.add_cookies([{"name": dj_settings.SESSION_COOKIE_NAME,
                               "value": client.cookies[dj_settings.SESSION_COOKIE_NAME].value,
                               "url": live_server.url}])


def _fits(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_tom_buys_mrs_ahmeds_shopping_and_the_books_show_it(
        live_server, page, screenshot, axe_check, tmp_path, street, tom, sam, priya,
        tess, shopping):  # noqa: F811
    with transaction.atomic():
        services.fund_in(street, kind="donation", amount=Decimal("100.00"),
                         description="Street party collection", actor=tess)
    page.set_viewport_size(PHONE)

    # Tom, at the till and then at Mrs Ahmed's door.
    _become(page, live_server, tom)
    page.goto(live_server.url + reverse("requests:task", args=[shopping.reference]))
    page.get_by_role("link", name="Receipt, spending and cash").click()
    axe_check("a task's money, empty")
    photo = tmp_path / "IMG_0412.jpg"
    photo.write_bytes(jpeg_bytes())
    assert Image.open(photo).getexif().get_ifd(0x8825)  # the phone's photo says where
    page.get_by_label("Shop or pharmacy").fill("Tesco Express, Golborne Road")
    page.get_by_label("Date and time on the receipt").fill("2026-12-03T11:05")
    page.get_by_label("What you bought (1)").fill("Bread, milk, eggs, tea")
    page.get_by_label("Price (1), £").fill("0")
    page.get_by_label("Photo of the receipt").set_input_files(str(photo))
    page.get_by_label("These are the goods I bought").check()
    page.get_by_role("button", name="Send to the treasurer").click()
    page.locator(".error-summary").wait_for()
    assert "Enter an amount more than £0.00." in page.content()
    assert page.get_by_label("Shop or pharmacy").input_value() == "Tesco Express, Golborne Road"
    assert not Claim.objects.exists()
    axe_check("the spending form with a mistake")
    screenshot("money-spend-form-error-phone")
    page.get_by_label("Price (1), £").fill("23.40")
    page.get_by_label("Photo of the receipt").set_input_files(str(photo))
    _fits(page)
    screenshot("money-spend-form-phone")
    page.get_by_role("button", name="Send to the treasurer").click()
    page.wait_for_selector(".messages")
    assert "has gone to the treasurer" in page.content()
    stored = Receipt.objects.get()
    kept = Image.open(io.BytesIO(receipts.open_receipt(stored.file_name)))
    assert not kept.getexif() and "exif" not in kept.info  # location and camera gone
    assert max(kept.size) <= receipts.LONGEST_SIDE
    assert page.get_by_label("Amount, £").input_value() == "23.40"
    page.get_by_role("button", name="Record the cash").click()
    page.wait_for_selector(".messages")
    assert "still owed by the resident" in page.content()
    assert "£0.00" in page.locator(".figures").inner_text()
    axe_check("a task's money after cash")
    _fits(page)
    screenshot("money-task-after-cash-phone")

    # Sam rings Mrs Ahmed for the check-up: yes, she paid.
    _become(page, live_server, sam)
    page.goto(live_server.url + reverse("money:task", args=[street.slug, shopping.reference]))
    axe_check("the check-up's cash question")
    page.get_by_role("button", name="Yes, they paid").click()
    page.wait_for_selector(".messages")
    assert "Resident confirms paying" in page.content()

    # Tess, the treasurer.
    _become(page, live_server, tess)
    page.goto(live_server.url + reverse("money:queue", args=[street.slug]))
    axe_check("the treasurer's queue")
    _fits(page)
    screenshot("money-queue-phone")
    page.get_by_role("link", name=re.compile("£23.40 at Tesco Express")).click()
    image = page.get_by_role("img", name=re.compile("Photo of the receipt"))
    image.wait_for()
    for _wait in range(50):  # wait_for_function evals strings, which Kith's CSP forbids
        if page.evaluate("document.querySelector('img.receipt').naturalWidth") > 0:
            break
        page.wait_for_timeout(100)
    assert page.evaluate("document.querySelector('img.receipt').naturalWidth") > 0
    axe_check("a claim with its receipt")
    _fits(page)
    screenshot("money-claim-phone")
    page.get_by_role("button", name="Approve").click()
    page.wait_for_selector(".messages")
    assert Claim.objects.get().state == "approved"
    page.goto(live_server.url + reverse("money:balances", args=[street.slug]))
    axe_check("balances")
    screenshot("money-balances-phone")
    page.get_by_role("link", name="Tom Brennan").click()
    page.get_by_label("Bank's reference for the payment").fill("BACS 0412 TB")
    assert page.get_by_label("Amount paid, £").input_value() == "23.40"
    axe_check("reimbursing Tom")
    page.get_by_role("button", name="Record the reimbursement").click()
    page.wait_for_selector(".messages")
    page.get_by_role("link", name="Tom Brennan").click()
    page.get_by_role("button", name="Record the cash paid in").click()
    page.wait_for_selector(".messages")

    page.goto(live_server.url + reverse("money:ledger", args=[street.slug]))
    ledger = page.content()
    assert "BACS 0412 TB" in ledger and "Volunteer reimbursed" in ledger
    assert "Cash paid in by a volunteer: From Tom Brennan" in ledger
    assert page.locator("tbody tr").first.locator("td.running").inner_text() == "£100.00"
    axe_check("the ledger")
    screenshot("money-ledger-phone")


def test_mrs_ahmed_sees_what_she_owes_and_priya_sees_the_figures(
        live_server, page, screenshot, axe_check, street, tom, priya, tess, shopping):  # noqa: F811
    import time

    from django.contrib.sessions.backends.db import SessionStore

    from kith.requests import views_public
    from tests.money.conftest import receipt_upload, spent_at

    with transaction.atomic():
        services.update_settings(street, actor=priya, bank_account_name="Golborne Road Neighbours",
                                 bank_sort_code="20-00-00", bank_account_number="55779911",
                                 payment_link="https://pay.example.org/golborne")
    services.record_claim(shopping, volunteer=tom, shop="Tesco Express", spent_at=spent_at(),
                          lines=[("Bread, milk, eggs, tea", Decimal("23.40"))],
                          upload=receipt_upload())
    page.set_viewport_size(PHONE)
    # Mrs Ahmed's status page, as if she had just typed her code.
    session = SessionStore()
    session[views_public.STATUS_REQUEST] = {"id": shopping.pk, "until": time.time() + 600}
    session.create()
    page.context.clear_cookies()
    page.context.add_cookies([{"name": dj_settings.SESSION_COOKIE_NAME,
                               "value": session.session_key, "url": live_server.url}])
    page.goto(live_server.url + reverse("requests:status_view"))
    money = page.locator("section", has=page.get_by_role("heading",
                                                         name="Paying for your shopping"))
    text = money.inner_text()
    assert "You still owe £23.40." in text and f"KITH {shopping.reference}" in text
    assert "sort code 20-00-00" in text and "nobody will ask you to prove anything" in text
    axe_check("the resident's status page with money owed")
    _fits(page)
    screenshot("money-status-page-phone")

    _become(page, live_server, priya)
    page.goto(live_server.url + reverse("groups:dashboard", args=[street.slug]))
    figures = page.locator("table", has=page.get_by_text("Spent on residents' shopping"))
    assert "£23.40" in figures.inner_text()
    axe_check("the dashboard with money figures")
    _fits(page)
    screenshot("money-dashboard-phone")


def test_big_figures_and_minus_signs_fit_a_phone(
        live_server, page, screenshot, axe_check, street, tom, priya,
        tess, shopping):  # noqa: F811
    """The review's phone: the treasurer's figure boxes with four-figure amounts stay inside
    390 px, and a reversal's "−£63.70" never breaks between its sign and its number."""
    from tests.money.conftest import receipt_upload, spent_at

    with transaction.atomic():
        services.fund_in(street, kind="donation", amount=Decimal("12345.67"),
                         description="Ward grant", actor=tess)
        services.agree_limit(shopping, amount=Decimal("2000.00"), actor=priya)
    claim = services.record_claim(shopping, volunteer=tom, shop="Tesco Express",
                                  spent_at=spent_at(), lines=[("Big shop", Decimal("1063.70"))],
                                  upload=receipt_upload())
    with transaction.atomic():
        services.approve(claim, actor=tess)
        entry = services.reimburse(street, tom, amount=Decimal("63.70"), bank_reference="BACS 9",
                                   actor=tess)
        services.reverse(entry, actor=tess, reason="Paid to the wrong account")
        services.record_cash(shopping, volunteer=tom, amount=Decimal("1000.00"))
    page.set_viewport_size(PHONE)
    _become(page, live_server, tess)
    page.goto(live_server.url + reverse("money:queue", args=[street.slug]))
    _fits(page)
    for box in page.locator(".figures li").all():
        assert box.evaluate("b => b.scrollWidth <= b.clientWidth")
    axe_check("the treasurer's queue with big figures")
    screenshot("money-queue-big-figures-phone")
    page.goto(live_server.url + reverse("money:ledger", args=[street.slug]))
    _fits(page)
    minus = page.locator(".nowrap", has_text="−£63.70").first
    line_height = minus.evaluate("s => parseFloat(getComputedStyle(s).lineHeight)")
    assert minus.bounding_box()["height"] < line_height * 1.5  # one line
    axe_check("the ledger with a reversal")
    screenshot("money-ledger-reversal-phone")
    page.goto(live_server.url + reverse("money:reimburse", args=[street.slug, tom.pk]))
    _fits(page)
    axe_check("a volunteer's balances with cash waiting for its check-up")
    screenshot("money-reimburse-phone")


def test_tom_answers_each_of_two_questions_in_its_own_box_on_a_phone(
        live_server, page, screenshot, axe_check, street, tom, tess, shopping):  # noqa: F811
    """Two claims queried on one task (review m2, M1a): each question names its shop and
    amount and has its own box; answering the second leaves the first still asked."""
    from tests.money.conftest import receipt_upload, spent_at

    claims = [services.record_claim(shopping, volunteer=tom, shop=shop, spent_at=spent_at(),
                                    lines=[("Peas and bread", Decimal(amount))],
                                    upload=receipt_upload(colour))
              for shop, amount, colour in (("Iceland", "2.50", (200, 180, 160)),
                                           ("Lidl", "4.20", (90, 90, 200)))]
    for claim, question in zip(claims, ("Which peas?", "Was this for her?"), strict=True):
        with transaction.atomic():
            services.query(claim, actor=tess, question=question)
    page.set_viewport_size(PHONE)
    _become(page, live_server, tom)
    page.goto(live_server.url + reverse("volunteers:home"))
    asked = page.get_by_role("region", name="The treasurer has a question")
    assert "at Lidl" in asked.inner_text() and "at Iceland" in asked.inner_text()
    axe_check("a volunteer's home with the treasurer's questions")
    _fits(page)
    screenshot("money-questions-on-home")
    asked.get_by_role("link", name=re.compile("at Lidl")).click()
    lidl = page.locator(".question", has_text="at Lidl")
    assert "Was this for her?" in lidl.inner_text()
    axe_check("two questions from the treasurer")
    _fits(page)
    screenshot("money-two-questions")
    lidl.get_by_role("textbox").fill("Yes, her usual bread")
    lidl.get_by_role("button", name="Send my answer").click()
    page.wait_for_load_state()
    assert page.locator(".question", has_text="at Lidl").count() == 0
    assert "Which peas?" in page.locator(".question", has_text="at Iceland").inner_text()
    claims[1].refresh_from_db()
    claims[0].refresh_from_db()
    assert claims[1].answer == "Yes, her usual bread" and claims[0].answer == ""

    # Tess asks again: the claim's page keeps the first exchange under "Earlier questions".
    with transaction.atomic():
        services.query(claims[1], actor=tess, question="Which bread?")
    page.set_viewport_size({"width": 1280, "height": 900})
    _become(page, live_server, tess)
    page.goto(live_server.url + reverse("money:claim", args=[street.slug, claims[1].pk]))
    earlier = page.get_by_role("heading", name="Earlier questions")
    assert earlier.is_visible() and "Yes, her usual bread" in page.content()
    axe_check("a claim asked about twice")
    screenshot("money-claim-earlier-questions")
