"""Parameter validation and key masking: pure functions, no HTTP."""

from __future__ import annotations

import pytest

from oakdash.oakdata import InvalidParameter, mask_key, params
from oakdash.oakdata.errors import BadRequest


def test_the_public_constants_match_the_reference():
    assert params.RANGES == ("24h", "7d", "30d", "90d")
    assert params.DEFAULT_RANGE == "7d"
    assert params.SESSIONS_LIMIT == (1, 200)
    assert params.REPLAYS_LIMIT == (1, 200)
    assert params.EVENTS_LIMIT == (1, 500)
    assert params.EVENTS_OFFSET == (0, 1_000_000)
    assert params.SESSIONS_DEFAULT_LIMIT == 50
    assert params.REPLAYS_DEFAULT_LIMIT == 100
    assert params.EVENTS_DEFAULT_LIMIT == 100


@pytest.mark.parametrize("value", ["24h", "7d", "30d", "90d"])
def test_every_listed_range_is_accepted(value):
    assert params.check_range(value) == value


def test_a_missing_range_means_the_default():
    assert params.check_range(None) == "7d"


@pytest.mark.parametrize("value", ["", "1d", "7D", " 7d", "7d ", "all", 7, "7d&limit=1"])
def test_any_other_range_is_refused_with_a_readable_message(value):
    with pytest.raises(InvalidParameter) as exc_info:
        params.check_range(value)
    assert exc_info.value.param == "range"
    assert str(exc_info.value) == "range must be one of 24h, 7d, 30d, 90d"
    assert isinstance(exc_info.value, BadRequest)


@pytest.mark.parametrize(
    ("value", "expected"), [(1, 1), (200, 200), ("1", 1), ("200", 200), ("050", 50), (" 7 ", 7)]
)
def test_ints_and_numeric_strings_within_bounds_are_accepted(value, expected):
    assert params.check_int(value, "limit", params.SESSIONS_LIMIT) == expected


@pytest.mark.parametrize(
    "value",
    [0, 201, -1, "-1", "+1", "0", "201", "1.5", 1.5, 5.0, "5.0", "", "abc", "1e2", "1_0",
     "\uff15", True, False, None, [5], "9" * 5000],
)  # fmt: skip
def test_anything_else_is_refused_as_a_limit(value):
    with pytest.raises(InvalidParameter) as exc_info:
        params.check_int(value, "limit", params.SESSIONS_LIMIT)
    assert exc_info.value.param == "limit"
    assert exc_info.value.message == "limit must be a whole number between 1 and 200"


def test_the_offset_bounds_reach_one_million():
    assert params.check_int(0, "offset", params.EVENTS_OFFSET) == 0
    assert params.check_int("1000000", "offset", params.EVENTS_OFFSET) == 1_000_000
    with pytest.raises(InvalidParameter, match="between 0 and 1,000,000"):
        params.check_int(1_000_001, "offset", params.EVENTS_OFFSET)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(True, True), (False, False), ("1", True), ("true", True), ("on", True), ("0", False),
     ("false", False), ("", False)],
)  # fmt: skip
def test_flags_accept_bools_and_the_usual_query_spellings(value, expected):
    assert params.check_bool(value, "exclude_bots") is expected


@pytest.mark.parametrize("value", [1, 0, None, "2", "maybe"])
def test_anything_else_is_refused_as_a_flag(value):
    with pytest.raises(InvalidParameter) as exc_info:
        params.check_bool(value, "exclude_bots")
    assert exc_info.value.param == "exclude_bots"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("s_a1b2c3", "s_a1b2c3"),
        ("a/b", "a%2Fb"),
        ("..", "%2E%2E"),
        (".", "%2E"),
        ("../live", "%2E%2E%2Flive"),
        ("%", "%25"),
        ("%2F", "%252F"),
        ("#", "%23"),
        ("?", "%3F"),
        ("a b", "a%20b"),
        ("x@y.z", "x%40y%2Ez"),
        ("zoë", "zo%C3%AB"),
        ("用户", "%E7%94%A8%E6%88%B7"),
    ],
)
def test_ids_become_exactly_one_encoded_path_segment(value, expected):
    assert params.path_segment(value, "distinct_id") == expected


@pytest.mark.parametrize("value", ["", None, "x" * (params.MAX_ID_LENGTH + 1), "\ud800"])
def test_empty_too_long_or_unencodable_ids_are_refused(value):
    with pytest.raises(InvalidParameter) as exc_info:
        params.path_segment(value, "session_id")
    assert exc_info.value.param == "session_id"


@pytest.mark.parametrize(
    ("key", "masked"),
    [
        ("oak_sec_abcdefghijklmnop1a2b", "oak_sec_…1a2b"),
        ("oak_pub_abcdefghijklmnop9z9z", "oak_pub_…9z9z"),
        ("oak_sec_short", "oak_sec_…"),
        ("somethingelse-entirely-1234", "…1234"),
        ("tiny", "…"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_key_shows_only_the_prefix_and_a_short_tail(key, masked):
    assert mask_key(key) == masked
