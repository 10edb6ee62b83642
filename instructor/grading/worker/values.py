"""Plain values as bytes and back, with nothing executed, imported or unpickled.

The grader's trusted kernel and the sandboxed worker that runs a student's
code exchange only these values:

- ``None``, ``bool``, ``int``, ``float``, ``complex``, ``str``;
- numpy scalars and numpy arrays of plain data (booleans, integers, floats,
  complex numbers, datetimes, fixed-width bytes and strings), any shape,
  sent as raw bytes with their dtype, shape, memory order and writeable flag;
- lists, tuples and dicts of these (dict keys: ``None``, ``bool``, ``int``,
  ``float``, ``str``, or tuples of those);
- ``assignment.todo.Unfinished``, what a stub returns for a TODO not done yet
  (a gradient), sent as its message alone and rebuilt on the other side from
  the kit's own ``assignment/todo.py``.

Types are matched exactly: a subclass (``numpy.matrix``, a masked array, a
namedtuple, an ``int`` whose ``__eq__`` always says yes) is refused with
:class:`UnsupportedValue`, which names where it was and its type. Decoding
trusts nothing: every length is checked against the bytes that are there, the
nesting depth is capped and a dtype must describe plain data, so bytes from a
hostile process give a plain value or a :class:`ProtocolError`, never
anything else.

Two more kinds exist only in messages from the kernel to the worker, which
resolves them with the ``resolve`` callback of :func:`decode`: a *handle* (an
object that lives in the worker, made by an earlier call) and a *pinned*
value (an argument sent once and reused, e.g. a large array that is timed
with many weights). Without ``resolve`` they are refused.

This file runs in the sandbox too: it imports only the standard library and
numpy.
"""

import math
import re
import struct

import numpy as np

MAX_DEPTH = 64
MAX_ITEMS = 1_000_000   # values in one message: a few bytes each could cost the decoder 100 times more
_LARGE = 1 << 16        # array data at least this long travels as its own buffer

# Tags: one byte before every value.
_NONE, _TRUE, _FALSE = b"N", b"T", b"F"
_INT, _FLOAT, _COMPLEX, _STR = b"i", b"f", b"c", b"s"
_LIST, _TUPLE, _DICT = b"l", b"t", b"d"
_ARRAY, _SCALAR = b"a", b"g"
_HANDLE, _PINNED = b"h", b"p"
_UNFINISHED = b"u"
UNFINISHED_TYPE = ("assignment.todo", "Unfinished")   # (module, name) of the kit's class
_KEY_TAGS = {_NONE, _TRUE, _FALSE, _INT, _FLOAT, _STR, _TUPLE}

# dtype.str of plain data: byte order, kind, item size, datetime unit.
_DTYPE = re.compile(r"^[<>|=][biufcmMSU]\d{1,4}(\[\d*[a-zA-Z]{1,2}\])?$")
_SCALAR_TYPES = frozenset(
    np.dtype(code).type for code in "?bhilqBHILQefdgFDG" + "SU") | {np.datetime64, np.timedelta64}

_U32 = struct.Struct("<I")
_U64 = struct.Struct("<Q")
_F64 = struct.Struct("<d")
_C128 = struct.Struct("<dd")


class ProtocolError(ValueError):
    """Bytes that are not a well-formed value."""


class UnsupportedValue(TypeError):
    """A value of a type that may not cross; the message says where and what.

    Attributes
    ----------
    where : str
        The path of the value inside what was sent, e.g. ``result[1]``.
    type_name : str
        Its type, e.g. ``numpy.matrix``.
    """

    def __init__(self, where, type_name, why=""):
        self.where, self.type_name = where, type_name
        super().__init__(f"{where} is a {type_name}{why}; only plain values can cross: "
                         f"None, bool, int, float, complex, str, numpy scalars and arrays, "
                         f"and lists, tuples and dicts of these")


class TooLarge(ValueError):
    """The encoded value would exceed the size allowed."""


class Handle:
    """A reference to an object that lives in the worker (kernel to worker only)."""

    __slots__ = ("number",)

    def __init__(self, number):
        self.number = int(number)

    def __repr__(self):
        return f"Handle({self.number})"

    def __eq__(self, other):
        return type(other) is Handle and other.number == self.number

    def __hash__(self):
        return hash(("Handle", self.number))


class Pinned:
    """A value sent once and kept by the worker under ``number`` (kernel to worker only).

    The first message that carries it carries ``value``; later ones carry only
    the number (``value`` is then ``None`` and ``sent`` true).
    """

    __slots__ = ("number", "value", "sent", "session")

    def __init__(self, number, value):
        self.number, self.value, self.sent, self.session = int(number), value, False, None


def type_name(value):
    """``module.QualifiedName`` of value's type, for messages."""
    kind = type(value)
    module = getattr(kind, "__module__", "?")
    name = getattr(kind, "__qualname__", kind.__name__)
    return name if module == "builtins" else f"{module}.{name}"


# --------------------------------------------------------------------------
# Encoding

def encode(value, limit=None, where="value"):
    """The bytes of value, as a list of buffers to send one after the other.

    Parameters
    ----------
    value : plain value
    limit : int or None
        Most bytes allowed in all; :class:`TooLarge` beyond.
    where : str
        How the value is named in error messages.

    Returns
    -------
    list of bytes-like
        Small items are packed together; large array data are memoryviews of
        the arrays themselves (no copy).

    Raises
    ------
    UnsupportedValue, TooLarge
    """
    writer = _Writer(limit)
    writer.value(value, where, 0)
    return writer.finish()


def encoded_size(pieces):
    return sum(memoryview(piece).nbytes for piece in pieces)


class _Writer:
    def __init__(self, limit):
        self.limit = limit
        self.pieces = []
        self.small = bytearray()
        self.large = 0

    def finish(self):
        self.check()
        if self.small:
            self.pieces.append(bytes(self.small))
        return self.pieces

    def check(self):
        if self.limit is not None and len(self.small) + self.large > self.limit:
            raise TooLarge(f"the value is larger than {self.limit} bytes")

    def put_large(self, view):
        self.large += view.nbytes
        self.check()
        if self.small:
            self.pieces.append(bytes(self.small))
            self.small = bytearray()
        self.pieces.append(view)

    def text(self, string):
        data = string.encode("utf-8", "surrogatepass")
        self.small += _U32.pack(len(data))
        self.small += data

    def value(self, value, where, depth):
        kind = type(value)
        small = self.small
        if value is None:
            small += _NONE
        elif kind is bool:
            small += _TRUE if value else _FALSE
        elif kind is float:
            small += _FLOAT
            small += _F64.pack(value)
        elif kind is int:
            data = value.to_bytes(value.bit_length() // 8 + 1, "little", signed=True)
            small += _INT
            small += _U32.pack(len(data))
            small += data
        elif kind is str:
            small += _STR
            self.text(value)
        elif kind is list or kind is tuple or kind is dict:
            if depth >= MAX_DEPTH:
                raise UnsupportedValue(where, type_name(value), f", nested more than {MAX_DEPTH} deep")
            self.check()
            small += (_LIST if kind is list else _TUPLE if kind is tuple else _DICT)
            small += _U32.pack(len(value))
            if kind is dict:
                for key, item in value.items():
                    self.key(key, where, depth + 1)
                    self.value(item, f"{where}[{key!r}]", depth + 1)
            else:
                for index, item in enumerate(value):
                    self.value(item, where if type(item) in _ATOMS else f"{where}[{index}]",
                               depth + 1)
        elif kind is np.ndarray:
            self.array(value, where)
        elif kind is complex:
            small += _COMPLEX
            small += _C128.pack(value.real, value.imag)
        elif kind in _SCALAR_TYPES:
            dtype = _plain_dtype(value.dtype, where, value)
            small += _SCALAR
            self.text(dtype.str)
            self.small += value.tobytes()
        elif (getattr(kind, "__module__", None), getattr(kind, "__qualname__", None)) \
                == UNFINISHED_TYPE:
            try:
                message = object.__getattribute__(value, "message")
            except AttributeError:
                message = None
            if type(message) is not str:
                raise UnsupportedValue(where, type_name(value), " whose message is not a str")
            small += _UNFINISHED
            self.text(message)
        elif kind is Handle:
            small += _HANDLE
            small += _U64.pack(value.number)
        elif kind is Pinned:
            small += _PINNED
            small += _U64.pack(value.number)
            if value.sent:
                small += _FALSE
            else:
                small += _TRUE
                self.value(value.value, where, depth + 1)
        else:
            raise UnsupportedValue(where, type_name(value))

    def key(self, key, where, depth):
        kind = type(key)
        if kind is tuple:
            for item in key:
                if type(item) not in _KEY_ATOMS:
                    raise UnsupportedValue(f"a key of {where}", type_name(item))
        elif kind not in _KEY_ATOMS:
            raise UnsupportedValue(f"a key of {where}", type_name(key))
        self.value(key, f"a key of {where}", depth)

    def array(self, array, where):
        dtype = _plain_dtype(array.dtype, where, array)
        flags = array.flags
        fortran = flags.f_contiguous and not flags.c_contiguous
        data = array if (fortran or flags.c_contiguous) else np.ascontiguousarray(array)
        small = self.small
        small += _ARRAY
        self.text(dtype.str)
        small += bytes((array.ndim,))
        small += struct.pack(f"<{array.ndim}QB", *array.shape,
                             (1 if fortran else 0) | (0 if flags.writeable else 2))
        nbytes = data.size * dtype.itemsize
        small += _U64.pack(nbytes)
        if nbytes == 0:
            return
        # A view of the array's own memory, in its own order: no copy.
        view = memoryview(data.reshape(-1, order="F" if fortran else "C").view(np.uint8))
        if nbytes >= _LARGE:
            self.put_large(view)
        else:
            small += view


_ATOMS = frozenset((type(None), bool, int, float, str))
_KEY_ATOMS = _ATOMS
_PLAIN_DTYPES = {}


def _plain_dtype(dtype, where, value):
    known = _PLAIN_DTYPES.get(dtype)
    if known is not None:
        return known
    if dtype.hasobject or dtype.fields is not None or dtype.subdtype is not None \
            or dtype.itemsize == 0 or not _DTYPE.match(dtype.str):
        raise UnsupportedValue(where, type_name(value), f" of dtype {dtype}")
    _PLAIN_DTYPES[dtype] = dtype
    return dtype


# --------------------------------------------------------------------------
# Decoding

def decode(data, resolve=None):
    """The value encoded in data (bytes-like), or :class:`ProtocolError`.

    Parameters
    ----------
    data : bytes-like
    resolve : callable or None
        ``resolve(kind, number, value)`` for handles (kind ``"handle"``, value
        None) and pinned values (kind ``"pinned"``, value the value when it is
        sent, else None); returns what stands for them. None refuses both.
    """
    reader = _Reader(memoryview(data).cast("B"), resolve)
    try:
        value = reader.value(0)
    except (struct.error, IndexError):
        raise ProtocolError("the value ends before its announced length") from None
    except RecursionError:
        raise ProtocolError("nested too deeply") from None
    if reader.at != reader.end:
        raise ProtocolError(f"{reader.end - reader.at} bytes left after the value")
    return value


_TAG_NONE, _TAG_TRUE, _TAG_FALSE = _NONE[0], _TRUE[0], _FALSE[0]
_TAG_INT, _TAG_FLOAT, _TAG_COMPLEX, _TAG_STR = _INT[0], _FLOAT[0], _COMPLEX[0], _STR[0]
_TAG_LIST, _TAG_TUPLE, _TAG_DICT = _LIST[0], _TUPLE[0], _DICT[0]
_TAG_ARRAY, _TAG_SCALAR, _TAG_HANDLE, _TAG_PINNED = _ARRAY[0], _SCALAR[0], _HANDLE[0], _PINNED[0]
_TAG_UNFINISHED = _UNFINISHED[0]
_KEY_TAG_CODES = frozenset(tag[0] for tag in _KEY_TAGS)
_DTYPES = {}


class _Reader:
    def __init__(self, data, resolve):
        self.data, self.at, self.end, self.resolve = data, 0, len(data), resolve
        self.left = MAX_ITEMS

    def take(self, count):
        start = self.at
        if count < 0 or start + count > self.end:
            raise ProtocolError("the value ends before its announced length")
        self.at = start + count
        return self.data[start:self.at]

    def _unsigned(self, layout):
        at = self.at
        self.at = at + layout.size
        if self.at > self.end:
            raise ProtocolError("the value ends before its announced length")
        return layout.unpack_from(self.data, at)[0]

    def u32(self):
        return self._unsigned(_U32)

    def u64(self):
        return self._unsigned(_U64)

    def count(self):
        count = self.u32()
        if count > self.end - self.at:      # every item takes at least a byte
            raise ProtocolError("a container announces more items than there are bytes")
        self.left -= count
        if self.left < 0:
            raise ProtocolError(f"more than {MAX_ITEMS} values in one message")
        return count

    def text(self):
        size = self.u32()
        try:
            return str(self.take(size), "utf-8", "surrogatepass")
        except UnicodeDecodeError as error:
            raise ProtocolError(f"a string is not UTF-8: {error}") from None

    def value(self, depth):
        if self.at >= self.end:
            raise ProtocolError("the value ends before its announced length")
        tag = self.data[self.at]
        self.at += 1
        if tag == _TAG_FLOAT:
            at = self.at
            self.at = at + 8
            if self.at > self.end:
                raise ProtocolError("the value ends before its announced length")
            return _F64.unpack_from(self.data, at)[0]
        if tag == _TAG_STR:
            return self.text()
        if tag == _TAG_INT:
            return int.from_bytes(self.take(self.u32()), "little", signed=True)
        if tag == _TAG_NONE:
            return None
        if tag == _TAG_TRUE:
            return True
        if tag == _TAG_FALSE:
            return False
        if tag == _TAG_LIST or tag == _TAG_TUPLE or tag == _TAG_DICT:
            if depth >= MAX_DEPTH:
                raise ProtocolError(f"nested more than {MAX_DEPTH} deep")
            count = self.count()
            if tag == _TAG_DICT:
                result = {}
                for _ in range(count):
                    key = self.key(depth + 1)
                    result[key] = self.value(depth + 1)
                return result
            items = [self.value(depth + 1) for _ in range(count)]
            return items if tag == _TAG_LIST else tuple(items)
        if tag == _TAG_ARRAY:
            return self.array()
        if tag == _TAG_COMPLEX:
            return complex(*_C128.unpack(self.take(16)))
        if tag == _TAG_SCALAR:
            dtype = self.dtype()
            return np.frombuffer(bytes(self.take(dtype.itemsize)), dtype=dtype)[0]
        if tag == _TAG_UNFINISHED:
            return _unfinished(self.text())
        if tag == _TAG_HANDLE or tag == _TAG_PINNED:
            if self.resolve is None:
                raise ProtocolError("a handle or a pinned value where none may be")
            number = self.u64()
            if tag == _TAG_HANDLE:
                return self.resolve("handle", number, None)
            sent = self.value(depth + 1)
            if sent is True:
                return self.resolve("pinned", number, self.value(depth + 1))
            if sent is False:
                return self.resolve("pinned", number, None)
            raise ProtocolError("a pinned value without its flag")
        raise ProtocolError(f"unknown tag {bytes([tag])!r}")

    def key(self, depth):
        if self.at >= self.end or self.data[self.at] not in _KEY_TAG_CODES:
            raise ProtocolError("a dict key that is not None, bool, int, float, str or tuple")
        key = self.value(depth)
        if type(key) is tuple and any(type(item) not in _KEY_ATOMS for item in key):
            raise ProtocolError("a dict key holds a container")
        return key

    def dtype(self):
        text = self.text()
        known = _DTYPES.get(text)
        if known is not None:
            return known
        if not _DTYPE.match(text):
            raise ProtocolError(f"not a plain dtype: {text[:40]!r}")
        try:
            dtype = np.dtype(text)
        except (TypeError, ValueError) as error:
            raise ProtocolError(f"not a dtype: {text!r} ({error})") from None
        if dtype.hasobject or dtype.itemsize == 0:
            raise ProtocolError(f"not a plain dtype: {text!r}")
        if len(_DTYPES) < 256:
            _DTYPES[text] = dtype
        return dtype

    def array(self):
        dtype = self.dtype()
        ndim = self.take(1)[0]
        if ndim > 32:
            raise ProtocolError(f"an array of {ndim} dimensions")
        shape = tuple(self.u64() for _ in range(ndim))
        flags = self.take(1)[0]
        if flags > 3:
            raise ProtocolError("unknown array flags")
        nbytes = self.u64()
        if nbytes != math.prod(shape) * dtype.itemsize:
            raise ProtocolError(f"an array of shape {shape} and dtype {dtype} with {nbytes} bytes")
        data = self.take(nbytes)
        order = "F" if flags & 1 else "C"
        try:
            array = np.empty(shape, dtype=dtype, order=order)
        except (ValueError, OverflowError, MemoryError) as error:
            raise ProtocolError(f"an array of shape {shape} cannot be made: {error}") from None
        if nbytes:
            flat = array.reshape(-1, order=order)      # a view: the array is contiguous
            flat[...] = np.frombuffer(data, dtype=dtype)
        if flags & 2:
            array.flags.writeable = False
        return array


def _unfinished(message):
    # Imported when first needed: both sides run inside a kit, whose
    # assignment/todo.py is provided code (never a student's).
    from assignment.todo import Unfinished
    return Unfinished(message)
