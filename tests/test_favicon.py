"""Every page has an icon: browsers ask for /favicon.ico whatever a page links, and each page
links Kith's own SVG (drawn for Kith, no third-party artwork)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from django.contrib.staticfiles import finders
from django.templatetags.static import static

pytestmark = pytest.mark.django_db


def test_favicon_ico_is_kiths_icon_not_a_404(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == static("kith/favicon.svg")
    assert "max-age" in response["Cache-Control"]


def test_the_icon_is_a_small_svg_that_is_there(client):
    path = finders.find("kith/favicon.svg")
    assert path, "kith/favicon.svg is missing from the static files"
    with open(path, "rb") as svg:
        body = svg.read()
    assert len(body) < 2048
    root = ET.fromstring(body)  # noqa: S314 (our own file, in the repository)
    assert root.tag == "{http://www.w3.org/2000/svg}svg" and root.get("viewBox") == "0 0 32 32"


def test_every_page_links_it(client):
    html = client.get("/").content.decode()
    assert f'<link rel="icon" href="{static("kith/favicon.svg")}" type="image/svg+xml">' in html
