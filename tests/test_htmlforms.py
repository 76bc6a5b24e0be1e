"""The test helper that posts a page's form as a browser would (tests/htmlforms.py)."""

from __future__ import annotations

import pytest

from tests.htmlforms import forms_in, sanitize

PAGE = """
<form method="get" action="/search/"><input name="q" value="milk"></form>
<form method="post" novalidate>
  <input type="hidden" name="csrfmiddlewaretoken" value="t">
  <input type="date" name="uk" value="02/12/2026">
  <input type="date" name="iso" value="2026-12-02">
  <input type="number" name="cap" value="1,000">
  <input type="email" name="email" value=" ann@example.org ">
  <input type="checkbox" name="tick" value="a" checked><input type="checkbox" name="tick" value="b">
  <input type="radio" name="way" value="foot"><input type="radio" name="way" value="car" checked>
  <input name="off" value="x" disabled>
  <select name="radius"><option value="1">1 km</option><option value="2">2 km</option></select>
  <select name="langs" multiple><option selected>English</option><option>Polish</option></select>
  <textarea name="about">
Line one
Line two</textarea>
  <input type="file" name="upload">
  <button type="submit" name="go" value="save">Save</button>
</form>
"""


def test_it_posts_what_a_browser_would():
    search, edit = forms_in(PAGE, "http://testserver/g/x/settings/")
    assert (search.method, search.action) == ("get", "http://testserver/search/")
    action, data = edit.submission()
    assert action == "http://testserver/g/x/settings/"
    assert data == {
        "csrfmiddlewaretoken": ["t"], "uk": [""], "iso": ["2026-12-02"], "cap": [""],
        "email": ["ann@example.org"], "tick": ["a"], "way": ["car"], "radius": ["1"],
        "langs": ["English"], "about": ["Line one\r\nLine two"], "go": ["save"],
    }
    assert {"off", "upload", "tick"} <= edit.names


@pytest.mark.parametrize("kind, value, sent", [
    ("date", "2026-02-30", ""),
    ("datetime-local", "2026-12-02T14:30", "2026-12-02T14:30"),
    ("datetime-local", "2026-12-02 14:30:00", "2026-12-02T14:30"),
    ("datetime-local", "02/12/2026 14:30", ""),
    ("number", "2.5", "2.5"),
    ("number", "+3", ""),
    ("text", "two\nlines", "twolines"),
    ("time", "25:00", ""),
])
def test_it_sanitises_each_input_type_as_the_standard_says(kind, value, sent):
    assert sanitize(kind, value) == sent
