"""QuickSelect draws what Django's Select draws, option for option, without its templates."""

from __future__ import annotations

import re

from django import forms
from hypothesis import given, settings
from hypothesis import strategies as st

from kith.core.formfields import QuickSelect

# Labels without line breaks: Django's template puts one between options, and the comparison
# takes those out.
labels = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl",
                                                                           "Zp")), max_size=12)


def _without_template_breaks(html: str) -> str:
    return re.sub(r">\n\s*<", "><", html.strip())


@settings(max_examples=60, deadline=None)
@given(choices=st.lists(st.tuples(st.integers(1, 999), labels), max_size=8, unique_by=lambda c: c[0]),
       chosen=st.one_of(st.none(), st.integers(1, 999)),
       attrs=st.dictionaries(st.sampled_from(["id", "aria-describedby", "class", "data-x"]),
                             labels, max_size=3),
       required=st.booleans())
def test_it_draws_the_same_html_as_djangos_select(choices, chosen, attrs, required):
    everything = [("", "Anyone"), *choices]
    ours, django = QuickSelect(choices=everything), forms.Select(choices=everything)
    if required:
        attrs = {**attrs, "required": True}
    assert ours.render("volunteer", chosen, attrs) == _without_template_breaks(
        django.render("volunteer", chosen, attrs))


def test_a_label_with_markup_is_escaped():
    html = QuickSelect(choices=[(1, "<b>Tom</b> & Co")]).render("v", None)
    assert "&lt;b&gt;Tom&lt;/b&gt; &amp; Co" in html and "<b>" not in html
