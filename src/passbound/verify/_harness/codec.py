"""The wire codec and the digests, shared by the harness and the trusted grader.

Why a module of its own: it is the one piece of the harness that also runs in the grader
(``code.py`` decodes the records with it), so it imports nothing but the standard library and no
sibling module. Both sides use this one definition.

Digests: evalplus has references whose outputs run to 100-250 MB (HumanEval/15, /130,
Mbpp/255), and every output sent as a value costs encoding, a decode and a comparison in the
grader. For tests listed in ``spec["digest"]`` the candidate's process sends ``digest(value)``
instead of the value: SHA-256 of a canonical text in which values that are ``==`` get the same
text (``1``, ``1.0`` and ``True`` alike; dict and set order ignored; tuples still differ from
lists), so equal digests mean equal values. A candidate gains nothing by sending a digest of its
own making: matching the expected one means knowing the expected value, which never enters the
sandbox. The reference run picks those tests itself (``spec["digest_over"]``: outputs whose
canonical text is longer than that, unless evalplus compares them with a tolerance: float-valued,
or later in a test set than a float-valued one; or NaN or unserialisable).
"""

import hashlib
import json
import math

# ----------------------------------------------------------------------------- wire codec
# JSON with tags for what JSON cannot say. A JSON object on the wire is always a tag, so the
# encoding is unambiguous; only plain builtin types cross (anything else becomes an opaque
# marker that equals nothing), so no object with a rigged __eq__ reaches the grader.

_BIG = 1 << 63


def encode(x, depth=0):
    """A JSON-able tree for ``x`` (plain types only; subclasses are reduced to their base)."""
    if depth > 200:
        raise ValueError("nested too deeply")
    t = type(x)
    if x is None or t is bool or t is str:
        return x
    if t is int:
        return x if -_BIG < x < _BIG else {"~i": hex(x)}  # hex: no int->str digit limit
    if t is float:
        return x if math.isfinite(x) else {"~f": repr(x)}
    d = depth + 1
    if t is list:
        return [encode(v, d) for v in x]
    if t is tuple:
        return {"~t": [encode(v, d) for v in x]}
    if t is dict:
        return {"~d": [[encode(k, d), encode(v, d)] for k, v in x.items()]}
    if t is set or t is frozenset:
        return {"~s" if t is set else "~z": [encode(v, d) for v in x]}
    if t is complex:
        return {"~c": [encode(x.real, d), encode(x.imag, d)]}
    if t is bytes:
        return {"~b": x.hex()}
    # Subclasses (IntEnum, Counter, namedtuple, numpy scalars ...) as their plain value.
    plain: tuple[type, ...] = (bool, int, float, str, complex, bytes, tuple, list, dict, frozenset, set)
    for base in plain:
        if isinstance(x, base):
            # isinstance with a variable type narrows x to object; here base is dict, so x has items()
            return encode(dict(x.items()) if base is dict else base(x), depth)  # type: ignore[attr-defined]
    if t.__module__ == "numpy" and hasattr(x, "item") and getattr(x, "shape", None) == ():
        return encode(x.item(), depth)
    return {"~x": t.__name__[:80]}


class Opaque:
    """A value that did not cross the wire (e.g. a generator): not None, equal only to itself."""

    __slots__ = ("type_name",)

    def __init__(self, type_name):
        self.type_name = type_name

    def __repr__(self):
        return "<unserialisable %s>" % self.type_name


# A decoded record is forged input to the grader: bounded in depth, and a set or dict whose
# members collide in hash (ints that are equal modulo 2**61 - 1) would make building it quadratic.
MAX_DECODE_DEPTH = 250
# Colliding pairs (members of one set or dict with equal hashes) that one budget allows, summed
# over every container it decodes: building a container costs one probe per colliding pair, so
# this bounds the total work however the members are spread (a per-container threshold let many
# containers of 511 colliding members each cost ~10 s). Real outputs have almost none (hash(-1)
# == hash(-2) is the common one), so no real output comes near it.
MAX_COLLIDING_PAIRS = 20000


class CollisionBudget:
    """Colliding pairs still allowed: one per program's outputs in the grader (see above)."""

    __slots__ = ("left",)

    def __init__(self, pairs=MAX_COLLIDING_PAIRS):
        self.left = pairs


def decode(v, depth=0, budget=None):
    """The Python value for an ``encode`` tree (raises ValueError on malformed or hostile input).
    ``budget``: a ``CollisionBudget`` shared by several decodes (default: one for this call)."""
    if budget is None:
        budget = CollisionBudget()
    if depth > MAX_DECODE_DEPTH:
        raise ValueError("nested too deeply")
    t = type(v)
    d = depth + 1
    if t is list:
        return [decode(x, d, budget) for x in v]
    if t is not dict:
        return v
    if len(v) != 1:
        raise ValueError("malformed tagged value")
    ((tag, body),) = v.items()
    if tag == "~t":
        return tuple(decode(x, d, budget) for x in body)
    if tag == "~d":
        pairs = [(decode(k, d, budget), decode(x, d, budget)) for k, x in body]
        refuse_collisions([k for k, _ in pairs], budget)
        return dict(pairs)
    if tag in ("~s", "~z"):
        members = [decode(x, d, budget) for x in body]
        refuse_collisions(members, budget)
        return set(members) if tag == "~s" else frozenset(members)
    if tag == "~i":
        return int(body, 16)
    if tag == "~f":
        return float(body)
    if tag == "~c":
        return complex(decode(body[0], d, budget), decode(body[1], d, budget))
    if tag == "~b":
        return bytes.fromhex(body)
    if tag == "~x":
        return Opaque(str(body))
    raise ValueError("unknown tag %r" % tag)


def decode_trusted(text):
    """``decode(json.loads(text))`` for text the grader encoded (a run's tests), at the JSON
    parser's speed: each tagged object is decoded as the parser makes it, and nothing else is
    walked again. No bounds: only for input that never came from a candidate."""
    return json.loads(text, object_hook=_untag)


def _untag(obj):
    if len(obj) != 1:
        return obj
    ((tag, body),) = obj.items()
    if tag == "~t":
        return tuple(body)
    if tag == "~d":
        return {k: v for k, v in body}
    if tag == "~s":
        return set(body)
    if tag == "~z":
        return frozenset(body)
    if tag == "~i":
        return int(body, 16)
    if tag == "~f":
        return float(body)
    if tag == "~c":
        return complex(body[0], body[1])
    if tag == "~b":
        return bytes.fromhex(body)
    if tag == "~x":
        return Opaque(str(body))
    return obj


def refuse_collisions(members, budget):
    """Charge ``budget`` for the colliding pairs among ``members`` before they go into a set or
    dict; raise ValueError once it is spent. Sorting the hashes is O(n log n) and hashes nothing
    again (counting them in a dict could itself be made to collide)."""
    if len(members) < 2:
        return
    try:
        hashes = sorted(map(hash, members))
    except TypeError:
        raise ValueError("unhashable set member") from None
    run = 1
    for a, b in zip(hashes, hashes[1:]):
        if a == b:
            budget.left -= run  # the new member probes every earlier one of its hash
            run += 1
        else:
            run = 1
    if budget.left < 0:
        raise ValueError("set or dict members collide in hash")


# ----------------------------------------------------------------------------- digests


def _leaf(x, flags):
    """Canonical text of a scalar (``==`` values get the same text: 1, 1.0, True, 1+0j)."""
    t = type(x)
    if t is str:
        return json.dumps(x)
    if t is bool:
        return "1" if x else "0"
    if t is int:
        return repr(x) if -_BIG < x < _BIG else '{"~i": "%s"}' % hex(x)
    if t is float:
        if x != x:
            flags.add("nan")
            return '{"~f": "nan"}'
        if math.isinf(x):
            return '{"~f": "%r"}' % x
        return _leaf(int(x), flags) if x.is_integer() else repr(x)
    if x is None:
        return "null"
    if t is complex:
        if x.imag == 0:
            return _leaf(x.real, flags)
        return '{"~c": [%s, %s]}' % (_leaf(x.real, flags), _leaf(x.imag, flags))
    if t is bytes:
        return '{"~b": "%s"}' % x.hex()
    return None


def _canon(x, flags, depth=0):
    """Canonical text of any value: containers by structure (dict and set items sorted)."""
    if depth > 200:
        raise ValueError("nested too deeply")
    leaf = _leaf(x, flags)
    if leaf is not None:
        return leaf
    t = type(x)
    if t is list or t is tuple:
        return "".join(_sequence(x, flags, depth))
    if t is dict:
        items = sorted(_canon(k, flags, depth + 1) + ": " + _canon(v, flags, depth + 1) for k, v in x.items())
        return "{" + ", ".join(items) + "}"
    if t is set or t is frozenset:
        return "s{" + ", ".join(sorted(_canon(v, flags, depth + 1) for v in x)) + "}"
    plain = decode(encode(x))  # subclasses, numpy scalars -> plain values; others -> Opaque
    if type(plain) is Opaque:
        flags.add("opaque")
        return '{"~x": %s}' % json.dumps(plain.type_name)
    return _canon(plain, flags, depth + 1)


def _sequence(x, flags, depth):
    """Chunks of a list's or tuple's canonical text; all-str / all-int runs at C speed."""
    opening, closing = ("[", "]") if type(x) is list else ("(", ")")
    types = set(map(type, x))
    if types == {str} or (types == {int} and -_BIG < min(x) and max(x) < _BIG):
        yield opening + json.dumps(x)[1:-1] + closing
        return
    yield opening
    first = True
    for v in x:
        if not first:
            yield ", "
        first = False
        yield _canon(v, flags, depth + 1)
    yield closing


# A top-level string is hashed as its UTF-8 bytes (surrogates kept, so distinct strings stay
# distinct) behind a prefix no other canonical text starts with: the largest outputs are strings
# (HumanEval/15 returns ~7 MB ones), and escaping them as JSON first cost 4x the hashing.
_STR_PREFIX = b"\x00str\x00"


def digest(value, flags=None):
    """(SHA-256 hex of the canonical text of ``value``, its length in bytes). ``flags`` collects
    "nan" and "opaque": values whose digest cannot stand for them in a comparison."""
    flags = set() if flags is None else flags
    if isinstance(value, str):
        if type(value) is not str:  # a subclass counts as its plain value, as everywhere else
            value = decode(encode(value))
        data = value.encode("utf-8", "surrogatepass")
        return hashlib.sha256(_STR_PREFIX + data).hexdigest(), len(data) + len(_STR_PREFIX)
    h, size = hashlib.sha256(), 0
    chunks = _sequence(value, flags, 0) if type(value) in (list, tuple) else [_canon(value, flags)]
    buf = []
    for chunk in chunks:  # the top level streams: a 1 GB output never exists as one string
        buf.append(chunk)
        if len(buf) >= 4096:
            data = "".join(buf).encode()
            h.update(data)
            size += len(data)
            buf = []
    data = "".join(buf).encode()
    h.update(data)
    return h.hexdigest(), size + len(data)


def is_floats(x):
    """evalplus's ``is_floats``: a float or a non-empty list/tuple of floats."""
    if isinstance(x, float):
        return True
    return isinstance(x, (list, tuple)) and len(x) > 0 and all(isinstance(i, float) for i in x)
