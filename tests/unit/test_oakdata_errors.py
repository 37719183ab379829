"""The error tree's behaviour: statuses map to one class each, messages are clean, errors survive
a cache. (Which page each one gets: tests/integration/test_upstream_errors.py.)"""

from __future__ import annotations

import pickle

import pytest

from oakdash.oakdata import errors


@pytest.mark.parametrize(
    ("status", "cls"),
    [(400, errors.BadRequest), (401, errors.InvalidKey), (403, errors.PublicKey),
     (404, errors.NotFound), (500, errors.Unavailable), (503, errors.Unavailable),
     (301, errors.Unavailable), (409, errors.Unavailable)],
)  # fmt: skip
def test_error_for_status_is_the_one_place_statuses_map_to_classes(status, cls):
    err = errors.error_for_status(status, "why")
    assert type(err) is cls
    assert (err.message, err.status) == ("why", status)


def test_an_unexpected_status_without_a_message_names_the_status():
    assert errors.error_for_status(418).message == "OakData answered with HTTP 418."


def test_an_invalid_parameter_names_its_parameter_and_survives_pickling():
    err = errors.InvalidParameter("limit", "limit must be a whole number between 1 and 200")
    copy = pickle.loads(pickle.dumps(err))  # noqa: S301 (our own bytes)
    assert (copy.param, copy.message, copy.status) == (err.param, err.message, None)


def test_key_like_tokens_in_upstream_text_are_masked():
    message = errors.clean_message("bad key oak_sec_abcdef0123456789 and oak_pub_zzzzzzzz")
    assert message == "bad key oak_sec_… and oak_pub_…"


def test_an_upstream_error_keeps_its_status_when_pickled_for_a_cache():
    err = errors.error_for_status(404, "no such session")
    copy = pickle.loads(pickle.dumps(err))  # noqa: S301 (our own bytes)
    assert (type(copy), copy.message, copy.status) == (errors.NotFound, "no such session", 404)
