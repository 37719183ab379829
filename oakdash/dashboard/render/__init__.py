"""HTML for the fragments a page repeats hundreds of times, built in Python.

A Django template costs a few microseconds per variable, filter and tag; a table of 100 rows × 10
cells or a journey tree of 300+ nodes rendered with ``{% include %}`` / ``{% cell %}`` /
``{% when %}`` cost tens of milliseconds per page. These modules build the same markup with
f-strings, escaping every value from upstream with ``html.escape`` (what Django's ``escape``
does), and return it marked safe. One module per fragment:

* ``cells`` — the shared pieces: ``cell`` (untrusted text in a table cell), ``when`` (a
  ``<time>``), ``pretty_json``, and ``IdLinks`` (``/visitors/<id>/`` etc. without one
  ``reverse()`` per row). The ``{% cell %}`` / ``{% when %}`` tags and ``pretty_json`` filter use
  them too, so a single cell and a row built here are the same markup.
* ``event_rows`` — the rows of the /events/ table.
* ``session_rows`` — the rows of the sessions table (/sessions/ and the visitor page).
* ``replay_rows`` — the rows of the /replays/ table.
* ``journey_tree`` — the nested list of the /journey/ page.
* ``breakdowns`` — the overview's breakdown panels and their tables.

Templates reach them through tags in ``templatetags/oaktables.py`` (``{% event_rows rows %}`` …),
so the page templates still show where each table goes.
"""
