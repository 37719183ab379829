"""The fragment builders' shared pieces (`dashboard/render/cells.py`)."""

from __future__ import annotations

import pytest
from django.utils.html import escape as django_escape

from oakdash.dashboard.render.cells import CellCache, IdLinks
from oakdash.dashboard.render.html import Html, fragment, join

HOSTILE = """<script>alert('x')</script> & "quoted" 100%"""


def test_an_id_link_keeps_the_attributes_it_was_asked_for_when_the_id_comes_back():
    # The same visitor appears in many rows, linked with and without extra attributes.
    links, cell = IdLinks("visitor", "acme-shop"), CellCache()
    plain = links.anchor("u/1", cell)
    titled = links.anchor("u/1", cell, Html(' title="All of this visitor"'))
    assert plain.startswith('<a href="/p/acme-shop/visitors/u%2F1/">')
    assert titled.startswith('<a href="/p/acme-shop/visitors/u%2F1/" title="All of this visitor">')
    assert links.anchor("u/1", cell) == plain


def test_a_value_put_into_markup_is_escaped_as_django_escapes_it():
    built = fragment('<b title="{}" data-n="{}">{}</b>')(HOSTILE, 7, HOSTILE)
    shown = django_escape(HOSTILE)
    assert built == f'<b title="{shown}" data-n="7">{shown}</b>'
    assert isinstance(built, Html)


def test_only_markup_built_as_markup_is_placed_as_it_is():
    inner = fragment("<i>{}</i>")("<b>")
    assert fragment("<p>{}</p>")(inner) == "<p><i>&lt;b&gt;</i></p>"
    assert join([inner, "<b>"]) == "<i>&lt;b&gt;</i>&lt;b&gt;"
    # Adding plain text to markup escapes it too (markupsafe), in Django's spelling.
    assert Html("<br>") + "'" == "<br>&#x27;"


def test_a_fragment_refuses_a_value_count_that_does_not_match_its_holes():
    with pytest.raises(TypeError):
        fragment("<b>{}</b>")("one", "two")
    with pytest.raises(TypeError):
        fragment("<b>{}{}</b>")("one")
