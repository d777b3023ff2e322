"""The shortcuts on the code grader's wire mean exactly what the slow paths mean: tests decoded
at the JSON parser's speed in the candidate's process, digest records read without the JSON
parser in the grader, and a zygote request whose tests follow its first line as text."""

from __future__ import annotations

import json
import math
import os

import pytest

from passbound.verify._code_records import Records
from passbound.verify._harness.codec import decode, decode_trusted, encode
from passbound.verify._harness.zygote import _read_request

VALUES = [
    [1, 2, 3],
    [(1, "a"), {"k": (2, 3)}, {(1, 2): [4]}],
    [{1, 2}, frozenset({"x"}), 2**70, -(2**64), float("inf"), 1.5, 3 + 4j, b"\x00\xff"],
    ["{not a tag}", '{"~t": [1]}', "~t", [[[]]], None, True],
    [{"~t": 1}],  # a dict whose key looks like a tag: encoded as a "~d" pair list
]


@pytest.mark.parametrize("value", VALUES)
def test_trusted_decoding_equals_decode(value: list) -> None:
    text = json.dumps({"tests": [encode(v) for v in value]})
    fast = decode_trusted(text)["tests"]
    slow = [decode(v) for v in json.loads(text)["tests"]]
    assert fast == slow
    assert [type(v) for v in fast] == [type(v) for v in slow]


def test_trusted_decoding_keeps_nan_a_float() -> None:
    (x,) = decode_trusted(json.dumps([encode(float("nan"))]))
    assert isinstance(x, float) and math.isnan(x)


HEX = "0123456789abcdef" * 4


def _parsed(body: str) -> dict:
    records = Records()
    records.add(body)
    return records.tests[next(iter(records.tests))]


@pytest.mark.parametrize("t", ["0.000123", "1.5e-05", "3.0", "12.25"])
def test_digest_record_read_without_json_is_what_json_reads(t: str) -> None:
    body = '{"s": "ok", "h": "%s", "k": "test", "i": 7, "t": %s}' % (HEX, t)
    assert _parsed(body) == json.loads(body)


def test_a_forged_digest_record_goes_through_json() -> None:
    """The candidate's part of a record may repeat the harness's fields: JSON keeps the last,
    the harness's, and the shortcut must not take the candidate's."""
    body = '{"s": "ok", "h": "%s", "k": "test", "i": 0, "t": 0.0, "k": "test", "i": 9, "t": 2.5}' % HEX
    rec = _parsed(body)
    assert rec["i"] == 9 and rec["t"] == 2.5


def test_a_leading_zero_index_is_no_record() -> None:
    records = Records()
    records.add('{"s": "ok", "h": "%s", "k": "test", "i": 07, "t": 0.1}' % HEX)
    assert records.tests == {}


def _framed(payload: bytes) -> dict:
    r, w = os.pipe()
    try:
        os.write(w, b"%d\n" % len(payload) + payload + b"NEXT")
        return _read_request(r)
    finally:
        os.close(r)
        os.close(w)


def test_zygote_request_carries_its_tests_as_text() -> None:
    tests = json.dumps([[1, 2], [encode((3, 4))]])
    head = json.dumps({"spec": {"mode": "function", "n_tests": 2}, "source": "x = 1\n", "cpu_seconds": 3})
    request = _framed((head + "\n" + tests).encode())
    assert request["spec"]["tests_raw"] == tests.encode()
    assert request["source"] == "x = 1\n"
    assert decode_trusted(b'{"tests": ' + request["spec"]["tests_raw"] + b"}")["tests"] == [[1, 2], [(3, 4)]]


def test_zygote_request_without_tests_text_reads_as_before() -> None:
    request = _framed(json.dumps({"spec": {"tests": [[1]]}, "source": ""}).encode())
    assert request["spec"] == {"tests": [[1]]}
