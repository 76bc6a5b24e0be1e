"""The route sheet: every stop, in visiting order, readable back from the PDF."""

from __future__ import annotations

import io
from datetime import date
from types import SimpleNamespace

from pypdf import PdfReader

from kith.runs.models import Run
from kith.runs.pdf import FOOTER, route_sheet


def _sheet(stops):
    run = Run(kind="pharmacy", partner_name="Oak Lane Pharmacy", pickup_name="Oak Lane Pharmacy",
              pickup_postcode="EN4 8QA", date=date(2030, 3, 2))
    route = SimpleNamespace(position=2, length_m=3400,
                            volunteer=SimpleNamespace(display_name="Ana Lima", email="a@x"))
    return PdfReader(io.BytesIO(route_sheet(run, route, stops)))


def _stops(n):
    return [{"position": i, "who": f"Person {i:02d}", "address": f"{i} Żółć Street, Flat {i}",
             "postcode": "EN4 8AJ", "note": "ring twice" if i % 3 == 0 else ""}
            for i in range(1, n + 1)]


def test_it_has_every_stop_in_order_with_the_pickup_first():
    reader = _sheet(_stops(12))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert reader.pages[0].mediabox.width == 595.28 or round(float(reader.pages[0].mediabox.width)) == 595
    first = text.index("Pick up from: Oak Lane Pharmacy")
    places = [text.index(f"Person {i:02d}") for i in range(1, 13)]
    assert first < places[0] and places == sorted(places)
    assert "Żółć Street" in text  # names and streets in any alphabet
    assert text.count("Delivered") == 12 and text.count("Not home") == 12
    assert "Note: ring twice" in text


def test_it_says_on_every_page_that_it_holds_personal_data():
    reader = _sheet(_stops(20))
    assert len(reader.pages) >= 2
    for page in reader.pages:
        flat = " ".join(page.extract_text().split())
        assert "holds personal data" in flat and "shred it after the run" in flat
    assert FOOTER.startswith("This sheet holds personal data")


def test_it_copes_with_no_stops():
    assert "No stops on this route." in _sheet([]).pages[0].extract_text()
