"""The fragment builders' shared pieces (`dashboard/render/cells.py`)."""

from __future__ import annotations

from oakdash.dashboard.render.cells import CellCache, IdLinks


def test_an_id_link_keeps_the_attributes_it_was_asked_for_when_the_id_comes_back():
    # The same visitor appears in many rows, linked with and without extra attributes.
    links, cell = IdLinks("visitor", "acme-shop"), CellCache()
    plain = links.anchor("u/1", cell)
    titled = links.anchor("u/1", cell, ' title="All of this visitor"')
    assert plain.startswith('<a href="/p/acme-shop/visitors/u%2F1/">')
    assert titled.startswith('<a href="/p/acme-shop/visitors/u%2F1/" title="All of this visitor">')
    assert links.anchor("u/1", cell) == plain
