"""The value format between the trusted kernel and the worker (instructor/grading/worker/values.py).

Everything a check needs survives the round trip exactly (type, dtype, shape,
memory order, writeable flag, NaN and -0.0 bits); everything else is refused
with a message naming where it was and its type; and bytes from a hostile
process decode to a plain value or raise ProtocolError, never anything else.
"""

import collections
import math
import random
import struct

import numpy as np
import pytest

from instructor.grading.worker import values, wire

PLAIN = (type(None), bool, int, float, complex, str, list, tuple, dict, np.ndarray)


def round_trip(value):
    return values.decode(b"".join(bytes(piece) for piece in values.encode(value)))


def same(a, b):
    """a and b are the same value: same types all the way down, same bits."""
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        return (a.dtype == b.dtype and a.shape == b.shape and a.tobytes(order="A") == b.tobytes(order="A")
                and a.flags.f_contiguous == b.flags.f_contiguous
                and a.flags.c_contiguous == b.flags.c_contiguous
                and a.flags.writeable == b.flags.writeable)
    if isinstance(a, np.generic):
        return a.dtype == b.dtype and a.tobytes() == b.tobytes()
    if isinstance(a, float):
        return struct.pack("<d", a) == struct.pack("<d", b)
    if isinstance(a, complex):
        return same(a.real, b.real) and same(a.imag, b.imag)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    return a == b


READ_ONLY = np.arange(6.0).reshape(2, 3)
READ_ONLY.flags.writeable = False

EXAMPLES = [
    None, True, False, 0, -1, 127, 128, -129, 2**200, -(3**150), 0.0, -0.0, math.inf, -math.inf,
    math.nan, 1e-310, 1 + 2j, complex(math.nan, -0.0), "", "héllo ∑", "\ud800 lone surrogate",
    [], (), {}, [1, (2.5, "x"), {"a": [None]}], ((),), {(1, "a"): 2, None: 3, 1.5: "f", True: 0},
    np.float64(2.5), np.float32(-0.0), np.int64(-7), np.uint8(200), np.bool_(True),
    np.complex64(1 - 1j), np.datetime64("2026-12-01"), np.str_("ab"),
    np.arange(12, dtype=np.float32).reshape(3, 4), np.asfortranarray(np.arange(12.0).reshape(3, 4)),
    np.zeros((0, 5)), np.array(3.5), np.array([True, False]),
    np.array(["a", "bcd"]), np.array([b"x", b"yz"]), np.array([1, 2], dtype=">i4"),
    np.arange(100_000, dtype=np.int16), READ_ONLY,
    np.array([np.nan, -0.0, np.inf]), np.array(["2026-01-01"], dtype="datetime64[D]"),
]


@pytest.mark.parametrize("value", EXAMPLES, ids=lambda v: values.type_name(v))
def test_plain_values_survive_the_round_trip(value):
    back = round_trip(value)
    assert same(back, value), (value, back)


def test_arrays_come_back_as_their_own_writable_copies():
    array = np.arange(6.0)
    back = round_trip(array)
    back[0] = 99
    assert array[0] == 0 and back.flags.writeable and back.flags.owndata


def test_a_strided_view_arrives_as_its_values():
    view = np.arange(20.0).reshape(4, 5)[::2, 1::2]
    assert np.array_equal(round_trip(view), view) and round_trip(view).flags.c_contiguous


class Always(int):
    def __eq__(self, other):
        return True

    __hash__ = int.__hash__


@pytest.mark.parametrize("make, where, kind", [
    (lambda: np.asmatrix(np.eye(1)), "result", "numpy.matrix"),
    (lambda: np.ma.masked_array([1.0]), "result", "numpy.ma.MaskedArray"),
    (lambda: Always(3), "result", "Always"),
    (lambda: [1, np.array([object()], dtype=object)], "result[1]", "numpy.ndarray"),
    (lambda: (1, {"k": {1, 2}}), "result[1]['k']", "set"),
    (lambda: collections.namedtuple("P", "x")(1), "result", "P"),
    (lambda: b"bytes", "result", "bytes"),
    (lambda: np.zeros(2, dtype=[("a", "f8")]), "result", "numpy.ndarray"),
    (lambda: {frozenset([1]): 0}, "a key of result", "frozenset"),
    (lambda: {(1, np.float64(2.0)): 0}, "a key of result", "numpy.float64"),
    (lambda: (lambda: 0), "result", "function"),
], ids=lambda p: p if isinstance(p, str) else "")
@pytest.mark.filterwarnings("ignore:the matrix subclass:PendingDeprecationWarning")
def test_anything_else_is_refused_naming_where_and_what(make, where, kind):
    with pytest.raises(values.UnsupportedValue) as error:
        values.encode(make(), where="result")
    assert error.value.where == where and kind in error.value.type_name, str(error.value)
    assert "only plain values" in str(error.value)


def test_nesting_and_size_are_capped():
    deep = []
    for _ in range(values.MAX_DEPTH + 5):
        deep = [deep]
    with pytest.raises(values.UnsupportedValue, match="nested"):
        values.encode(deep)
    loop = []
    loop.append(loop)
    with pytest.raises(values.UnsupportedValue, match="nested"):
        values.encode(loop)
    with pytest.raises(values.TooLarge):
        values.encode(np.zeros(1 << 18), limit=1 << 20)
    values.encode(np.zeros(1 << 16), limit=1 << 20)


def test_a_message_of_many_small_values_is_refused():
    """Each empty list costs the decoder some 60 bytes for its 5: the count is capped."""
    many = b"".join(values.encode([[]] * 1000))
    assert values.decode(many) == [[]] * 1000
    flood = b"l" + struct.pack("<I", values.MAX_ITEMS + 1) + (b"l" + struct.pack("<I", 0)) * (
        values.MAX_ITEMS + 1)
    with pytest.raises(values.ProtocolError, match="more than"):
        values.decode(flood)


def test_an_unfinished_gradient_crosses_as_its_message_and_stops_where_it_is_used():
    """A stub's Unfinished dW crosses with the loss beside it; only its message travels."""
    from assignment.todo import Unfinished
    loss, dW = round_trip((1.5, Unfinished("Implement this part of f (TODO 2 of 2)")))
    assert loss == 1.5 and type(dW) is Unfinished and dW is not None
    with pytest.raises(NotImplementedError, match=r"Implement this part of f \(TODO 2 of 2\)"):
        np.allclose(dW, 0)

    class Unfinished:   # a student's own class of that name and module: only a str may cross
        __module__, __qualname__ = "assignment.todo", "Unfinished"

        def __init__(self, message):
            self.message = message

    with pytest.raises(values.UnsupportedValue, match="message is not a str"):
        values.encode(Unfinished(["not", "a", "str"]), where="result")
    assert type(round_trip(Unfinished("forged"))).__module__ == "assignment.todo"
    with pytest.raises(values.UnsupportedValue):   # the same name elsewhere is no Unfinished
        values.encode(type("Unfinished", (), {})(), where="result")


def test_handles_and_pinned_values_need_a_resolver():
    data = b"".join(values.encode([values.Handle(3), values.Pinned(1, np.ones(2))]))
    with pytest.raises(values.ProtocolError, match="handle"):
        values.decode(data)
    seen = []
    back = values.decode(data, resolve=lambda kind, n, v: seen.append((kind, n)) or (kind, n, v))
    assert seen == [("handle", 3), ("pinned", 1)]
    assert back[0] == ("handle", 3, None) and np.array_equal(back[1][2], np.ones(2))


def _mutations(data, rng, count):
    for _ in range(count):
        mutated = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            choice = rng.random()
            if choice < 0.4 and mutated:
                mutated[rng.randrange(len(mutated))] = rng.randrange(256)
            elif choice < 0.6 and mutated:
                del mutated[rng.randrange(len(mutated)):]
            elif choice < 0.8:
                mutated[rng.randrange(len(mutated) + 1):0] = bytes(rng.randrange(256)
                                                                    for _ in range(rng.randint(1, 9)))
            elif len(mutated) >= 5:
                at = rng.randrange(len(mutated) - 4)
                mutated[at:at + 4] = struct.pack("<I", rng.choice([0, 1, 2**31, 2**32 - 1]))
        yield bytes(mutated)


def _plain(value, depth=0):
    assert depth <= values.MAX_DEPTH + 1
    if isinstance(value, (list, tuple)):
        return all(_plain(item, depth + 1) for item in value)
    if isinstance(value, dict):
        return all(_plain(k, depth + 1) and _plain(v, depth + 1) for k, v in value.items())
    if isinstance(value, np.ndarray):
        return type(value) is np.ndarray and not value.dtype.hasobject
    return type(value) in PLAIN or isinstance(value, np.generic)


def test_hostile_bytes_give_a_plain_value_or_a_protocol_error():
    """Mutations of valid messages and random bytes, with a fixed seed."""
    rng = random.Random(15)
    seeds = [b"".join(bytes(p) for p in values.encode(v)) for v in EXAMPLES[:40]]
    seeds.append(b"".join(bytes(p) for p in values.encode(
        (1, "value", (2.5, np.ones((3, 4))), {0: np.zeros(2)}))))
    tried = 0
    for data in seeds:
        for mutated in list(_mutations(data, rng, 60)) + [bytes(rng.randrange(256)
                                                                for _ in range(rng.randint(0, 64)))]:
            tried += 1
            try:
                value = values.decode(mutated)
            except values.ProtocolError:
                continue
            assert _plain(value), (mutated, value)
    assert tried > 2000


@pytest.mark.parametrize("data", [
    b"l" + struct.pack("<I", 2**32 - 1),                                 # a huge count, no items
    b"a" + struct.pack("<I", 3) + b"|O8" + b"\x01" + struct.pack("<Q", 1) + b"\x00"
    + struct.pack("<Q", 8) + b"\x00" * 8,                                 # an object array
    b"a" + struct.pack("<I", 3) + b"<f8" + b"\x01" + struct.pack("<Q", 2**61) + b"\x00"
    + struct.pack("<Q", 8) + b"\x00" * 8,                                 # shape and bytes disagree
    b"d" + struct.pack("<I", 1) + b"l" + struct.pack("<I", 0) + b"N",    # an unhashable key
    b"l" + struct.pack("<I", 1) * 1 + b"l" * 0 + (b"l" + struct.pack("<I", 1)) * 200 + b"N",
    b"s" + struct.pack("<I", 2) + b"\xff\xfe",                           # not UTF-8
    b"NN",                                                               # bytes after the value
])
def test_malformed_messages_are_protocol_errors(data):
    with pytest.raises(values.ProtocolError):
        values.decode(data)


def test_a_stream_splits_into_whole_messages_however_it_arrives():
    messages = [(1, "value", np.arange(5.0), None), "x" * 100_000, None]
    stream = b"".join(bytes(piece) for m in messages for piece in wire.framed(m))
    incoming, got = wire.Incoming(limit=1 << 20), []
    rng = random.Random(3)
    at = 0
    while at < len(stream):
        step = rng.randint(1, 5000)
        got += incoming.feed(stream[at:at + step])
        at += step
    assert [values.decode(m) if not isinstance(values.decode(m), tuple) else values.decode(m)[:2]
            for m in got] == [(1, "value"), "x" * 100_000, None]
    with pytest.raises(values.ProtocolError, match="at most"):
        wire.Incoming(limit=10).feed(stream)
