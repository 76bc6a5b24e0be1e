"""The demo's money in Golborne Road: Tess the treasurer, the group's bank details, a donation
and a grant, and a few claims at each stage (waiting, approved and paid in cash, covered by the
hardship fund, reimbursed), each with a drawn receipt. Safe to run again."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from kith.money import services
from kith.money.models import Claim, MoneySettings
from kith.requests.models import Assignment

# (shop, [(item, price)], what happens next)
CLAIMS = [
    ("Tesco Express, Golborne Road", [("Bread, milk, eggs", "4.85"), ("Tea bags", "2.10"),
                                      ("Tinned soup x4", "3.60")], "waiting"),
    ("Boots, Portobello Road", [("Prescription charge", "9.90")], "cash"),
    ("Co-op, Ladbroke Grove", [("Weekly shop", "18.45")], "hardship"),
    ("Lidl, Harrow Road", [("Fruit and veg", "6.30"), ("Rice and pasta", "3.15")], "reimbursed"),
]


def receipt_photo(shop: str, lines: list[tuple[str, str]]) -> SimpleUploadedFile:
    image = Image.new("RGB", (360, 120 + 26 * len(lines)), (250, 248, 240))
    pen = ImageDraw.Draw(image)
    pen.text((20, 20), shop.upper(), fill=(20, 20, 20))
    y = 60
    for item, price in lines:
        pen.text((20, y), item, fill=(20, 20, 20))
        pen.text((280, y), f"£{price}", fill=(20, 20, 20))
        y += 26
    total = sum(Decimal(p) for _i, p in lines)
    pen.text((20, y + 10), f"TOTAL  £{total}", fill=(0, 0, 0))
    out = io.BytesIO()
    image.save(out, format="JPEG")
    return SimpleUploadedFile("receipt.jpg", out.getvalue(), content_type="image/jpeg")


def load_money(ctx) -> str:
    group = ctx.groups["golborne-road"]
    priya, tess = ctx.people["priya"], ctx.people["tess"]
    if Claim.objects.filter(group=group).exists():
        return f"{Claim.objects.filter(group=group).count()} spending claims (already there)"
    with transaction.atomic():
        if not MoneySettings.objects.filter(group=group).exists():
            services.update_settings(
                group, actor=priya, bank_account_name="Golborne Road Neighbours",
                bank_sort_code="20-00-00", bank_account_number="55779911",
                task_limit=Decimal("30.00"))
        services.fund_in(group, kind="donation", amount=Decimal("250.00"),
                         description="Street party collection", actor=tess)
        services.fund_in(group, kind="grant", amount=Decimal("500.00"),
                         description="Council community chest", actor=tess)
    tasks = (Assignment.objects.filter(request__group=group,
                                       request__service__in=services.SPENDING_SERVICES)
             .select_related("request__resident", "volunteer").order_by("assigned_at"))
    done = 0
    for (shop, lines, fate), assignment in zip(CLAIMS, tasks, strict=False):
        _one(assignment, shop, lines, fate, priya, tess)
        done += 1
    return f"{done} spending claims, a donation and a grant"


def _one(assignment, shop, lines, fate, priya, tess) -> None:
    req, volunteer = assignment.request, assignment.volunteer
    claim = services.record_claim(
        req, volunteer=volunteer, shop=shop, spent_at=timezone.now() - timedelta(hours=3),
        lines=[(item, Decimal(price)) for item, price in lines],
        upload=receipt_photo(shop, lines))
    if fate == "waiting":
        return
    services.approve(claim, actor=tess)
    if fate == "cash":
        services.record_cash(req, volunteer=volunteer, amount=claim.amount)
    elif fate == "hardship":
        services.cover_from_hardship(req, amount=claim.amount, actor=priya)
    elif fate == "reimbursed":
        services.reimburse(req.group, volunteer, amount=claim.amount,
                           bank_reference="FPS 2026-12-01", actor=tess)
