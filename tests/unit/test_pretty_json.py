"""`pretty_json` promises exactly what `json.dumps` writes, only faster: checked against
`json.dumps` itself over generated JSON-shaped values (and the odd ones the fast path hands
back to it)."""

from __future__ import annotations

import datetime as dt
import json
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from oakdash.dashboard.render.cells import pretty_json


def dumps(value: object) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True, default=str)


scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()  # NaN and ±Infinity too: json writes them as NaN and Infinity
    | st.text()  # quotes, backslashes, control characters, astral and lone-surrogate code points
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text(max_size=8), inner, max_size=5)
    ),
    max_leaves=30,
)


@settings(max_examples=200)
@given(json_values)
def test_pretty_json_writes_what_json_dumps_writes(value):
    assert pretty_json(value) == dumps(value)


@settings(max_examples=50)
@given(
    st.one_of(  # one kind of key per object: json.dumps cannot sort mixed ones either
        st.dictionaries(kind, scalars, max_size=4)
        for kind in (st.integers(), st.floats(allow_nan=False), st.booleans())
    )
)
def test_keys_that_are_not_strings_are_written_as_json_dumps_writes_them(value):
    assert pretty_json(value) == dumps(value)


def test_values_json_cannot_encode_are_written_as_their_str_like_json_dumps_default_str():
    value = {"at": dt.datetime(2026, 1, 2, 3, 4, 5), "set": {1}, "nested": [{"inf": math.inf}]}
    assert pretty_json(value) == dumps(value)
