"""The demo borough's directory of local services: invented organisations on real Kensington
& Chelsea postcodes (ONS, Open Government Licence v3.0), phone numbers from Ofcom's drama
range. Shared by the borough with every ward and street below it. One is stale and one
carries a caution note, so the demo shows both."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from kith.signposting import services
from kith.signposting.models import LocalService

OWNER = "kensington-chelsea"
SERVICES = [
    {"organisation": "North Kensington Pantry Trust", "name": "Portobello Food Bank",
     "needs": ["food"], "description": "Three days' food for a household, with toiletries "
     "and nappies when they have them. Fresh fruit and bread on Fridays.",
     "eligibility": "Anyone in need living nearby; no proof of benefits asked.",
     "phone": "020 7946 0410", "website": "https://pantry.demo.invalid/",
     "address": "Hall behind St Michael's, Ladbroke Grove", "postcode": "W10 5AA",
     "opening_times": "Tuesdays and Fridays, 10am to 1pm", "radius_miles": 3.0,
     "languages": ["English", "Arabic", "Portuguese"], "cost": "Free",
     "how_to_refer": "A group can ring ahead; otherwise just come. Bring a bag.",
     "is_public": True, "days_ago": 20},
    {"organisation": "Kensington Advice Centre", "name": "Money, benefits and debt advice",
     "needs": ["money", "housing", "digital"], "description": "Free, confidential advice on "
     "benefits, debt, energy bills and housing, by phone or in person.",
     "eligibility": "Residents of the borough", "phone": "020 7946 0420",
     "website": "https://advice.demo.invalid/", "address": "2 Portobello Road",
     "postcode": "W11 1AB", "opening_times": "Monday to Friday, 9.30am to 4pm",
     "coverage": ["SW3", "SW5", "SW7", "SW10", "W8", "W10", "W11"],
     "languages": ["English", "Spanish", "Somali"], "cost": "Free",
     "how_to_refer": "Ring the advice line; say a mutual-aid group sent them.",
     "is_public": True, "days_ago": 45},
    {"organisation": "Golborne Kitchen Collective", "name": "Community kitchen",
     "needs": ["food", "company"], "description": "A hot lunch cooked by neighbours, eaten "
     "together; takeaway boxes for anyone who cannot stay.", "eligibility": "Everyone",
     "phone": "020 7946 0430", "address": "Golborne Road Community Hall", "postcode": "W10 5BT",
     "opening_times": "Wednesdays and Saturdays, 12 to 2pm", "radius_miles": 1.5,
     "languages": ["English", "Moroccan Arabic"], "cost": "Pay what you can",
     "how_to_refer": "Just come.", "is_public": True, "days_ago": 60},
    {"organisation": "Friendly Voices", "name": "Befriending phone line",
     "needs": ["company", "mental_health"], "description": "A weekly call from the same "
     "trained volunteer, for anyone who feels alone.", "eligibility": "Adults over 50",
     "phone": "0800 046 0440", "opening_times": "Every day, 8am to 8pm",
     "languages": ["English", "Polish", "Bengali"], "cost": "Free",
     "how_to_refer": "Ring with the person's agreement; they call back within two days.",
     "is_public": True, "days_ago": 240},
    {"organisation": "Riverside Relief Fund", "name": "Emergency grants",
     "needs": ["money"], "description": "Small one-off grants for bills and essentials.",
     "eligibility": "Households in Chelsea on a low income", "phone": "020 7946 0450",
     "address": "Lots Road", "postcode": "SW10 0AB", "coverage": ["SW3", "SW10"],
     "cost": "Free", "how_to_refer": "A referral form from a recognised group.",
     "caution": "Residents have reported that the fund asked about immigration status and "
     "passed details to the Home Office. Tell the resident before referring, and send "
     "nothing without their clear agreement.",
     "days_ago": 300},
]


def load_services(ctx) -> str:
    owner = ctx.groups[OWNER]
    today = timezone.localdate()
    made = 0
    for entry in SERVICES:
        fields = {k: v for k, v in entry.items() if k != "days_ago"}
        if LocalService.objects.filter(group=owner, name=fields["name"]).exists():
            continue
        services.create_service(owner, acting_user=None,
                                last_checked=today - timedelta(days=entry["days_ago"]), **fields)
        made += 1
    total = LocalService.objects.filter(group=owner).count()
    return f"{total} local services ({made} new)"
