"""Stand-ins: the student's modules as the trusted kernel sees them.

The check notebooks import ``assignment.classifiers`` as usual. Its provided
files come from the pristine bundle; each *student* module is answered by
:class:`StandInFinder` with a stand-in made from the module's outline
(:func:`outline`, read from the bundle's own copy of the file, never the
student's). A stand-in function forwards every call to the worker
(:mod:`.link`) and returns the value it computed; a stand-in class makes its
object in the worker and forwards method calls, attribute reads, writes and
deletions to it. Arrays passed in are copies: when the student's code
changes one in place, the change is written back into the caller's array,
as it would have happened in one process.
"""

import ast
import importlib.abc
import importlib.util
import itertools

import numpy as np

from ..worker import values
from .link import ResultRefused, StaleObject, WorkerBroken, student_exception


def outline(source):
    """The public shape of a module's source: its functions, classes and methods.

    Returns
    -------
    dict
        ``{"functions": {name: docstring}, "classes": {name: {"bases": [names],
        "methods": {name: docstring}, "doc": docstring}}}`` for the top-level
        definitions (bases are kept only when defined in the same module).
    """
    tree = ast.parse(source)
    functions, classes = {}, {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            functions[node.name] = ast.get_docstring(node) or ""
        elif isinstance(node, ast.ClassDef):
            classes[node.name] = {
                "bases": [base.id for base in node.bases
                          if isinstance(base, ast.Name) and base.id in classes],
                "methods": {item.name: ast.get_docstring(item) or "" for item in node.body
                            if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))},
                "doc": ast.get_docstring(node) or ""}
    return {"functions": functions, "classes": classes}


class StandInFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Answers the imports of the student modules with stand-ins.

    Parameters
    ----------
    link : Link
    outlines : dict
        Module name (``assignment.classifiers.linear_svm``) -> :func:`outline`.
    """

    def __init__(self, link, outlines):
        self.link, self.outlines = link, outlines

    def find_spec(self, fullname, path=None, target=None):
        if fullname in self.outlines:
            return importlib.util.spec_from_loader(fullname, self, origin="grader stand-in")
        return None

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        fill_module(module, self.outlines[module.__name__], self.link)


def fill_module(module, shape, link):
    """Give module its stand-in functions and classes."""
    name = module.__name__
    for function, doc in shape["functions"].items():
        setattr(module, function, stand_in_function(link, name, function, doc))
    made = {}
    for cls, spec in shape["classes"].items():
        bases = tuple(made[base] for base in spec["bases"] if base in made) or (RemoteObject,)
        made[cls] = stand_in_class(link, name, cls, spec, bases)
        setattr(module, cls, made[cls])
    module.__getattr__ = lambda attribute: _module_attribute(link, name, attribute)
    module.__file__ = None


class Forwarding:
    """What the speed check needs of a stand-in function: pinned arguments, timed calls."""

    def __init__(self, link, module, name):
        self.link, self.module, self.name = link, module, name
        self._numbers = itertools.count(1)

    def pin(self, value):
        """A handle for value that the worker keeps: send it once, use it in many calls."""
        return values.Pinned(next(self._numbers), value)

    def timed(self, args, timeout):
        """Call with args; return (seconds on this kernel's clock, the value)."""
        __tracebackhide__ = True  # noqa: F841
        reply, seconds = _request(self.link, "call", self.module, self.name, args, {},
                                  timeout=timeout)
        return seconds, _value(reply, args, {})

    def end_session(self):
        """End the current session: no process of the student's is left."""
        self.link.end_session()

    def paused(self):
        """A context in which every process of the student's is stopped."""
        return self.link.paused()


def stand_in_function(link, module, name, doc):
    def stand_in(*args, **kwargs):
        __tracebackhide__ = True  # noqa: F841  (IPython shows the check's line, not these)
        reply, _ = _request(link, "call", module, name, args, kwargs)
        return _value(reply, args, kwargs)

    stand_in.__name__ = stand_in.__qualname__ = name
    stand_in.__module__, stand_in.__doc__ = module, doc
    stand_in.__forwarded__ = Forwarding(link, module, name)
    return stand_in


class RemoteObject:
    """Base of the stand-in classes: an object that lives in the student's process."""

    _grader_link = None
    _grader_module = None
    _grader_name = None

    def __init__(self, *args, **kwargs):
        __tracebackhide__ = True  # noqa: F841
        link, kind = type(self)._grader_link, type(self)
        reply, _ = _request(link, "new", kind._grader_module, kind._grader_name, args, kwargs)
        if reply[0] != "handle":
            _value(reply, args, kwargs)
        if type(reply[1]) is not int:
            raise WorkerBroken(f"Your code's process made no {kind._grader_name} object.")
        object.__setattr__(self, "_grader_remote", (link.session, reply[1]))
        _write_back(reply[2], args, kwargs)

    def _grader_call(self, operation, name, args=(), kwargs=None, value=None):
        __tracebackhide__ = True  # noqa: F841
        session, handle = object.__getattribute__(self, "_grader_remote")
        link = type(self)._grader_link
        if session is not link.session or session.closed:
            raise StaleObject(f"This {type(self).__name__} was made in an earlier cell; the "
                              f"grader gives every check a fresh process.")
        reply, _ = _request(link, operation, handle, name, args, kwargs or {},
                            value=_prepared(value, session), label=f"{type(self).__name__}.{name}")
        return reply

    def __getattr__(self, name):
        __tracebackhide__ = True  # noqa: F841
        if name.startswith(("__", "_repr_", "_ipython_", "_grader_")):
            raise AttributeError(name)
        reply = self._grader_call("get", name)
        if reply[0] == "callable":
            return lambda *args, **kwargs: _value(
                self._grader_call("method", name, args, kwargs), args, kwargs)
        return _value(reply, (), {})

    def __setattr__(self, name, value):
        __tracebackhide__ = True  # noqa: F841
        _value(self._grader_call("set", name, value=value), (), {})

    def __delattr__(self, name):
        __tracebackhide__ = True  # noqa: F841
        _value(self._grader_call("delete", name), (), {})

    def __repr__(self):
        return f"<{type(self).__name__} object in the student's process>"


def stand_in_class(link, module, name, spec, bases):
    namespace = {"__module__": module, "__qualname__": name, "__doc__": spec.get("doc", ""),
                 "_grader_link": link, "_grader_module": module, "_grader_name": name}
    for method, doc in spec["methods"].items():
        if not method.startswith("__"):
            namespace[method] = _method(method, doc)
    return type(name, bases, namespace)


def _method(name, doc):
    def method(self, *args, **kwargs):
        __tracebackhide__ = True  # noqa: F841
        return _value(self._grader_call("method", name, args, kwargs), args, kwargs)
    method.__name__ = method.__qualname__ = name
    method.__doc__ = doc
    return method


def _module_attribute(link, module, attribute):
    __tracebackhide__ = True  # noqa: F841
    if attribute.startswith("__"):
        raise AttributeError(attribute)
    reply, _ = _request(link, "get-module", module, attribute, (), {},
                        label=f"{module}.{attribute}")
    if reply[0] == "callable":
        return stand_in_function(link, module, attribute, "")
    return _value(reply, (), {})


def _request(link, operation, target, name, args, kwargs, value=None, label=None,
             timeout=None):
    __tracebackhide__ = True  # noqa: F841
    session = link.current()
    reply, seconds = session.request(
        operation, target, name, [_prepared(a, session) for a in args],
        {k: _prepared(v, session) for k, v in kwargs.items()}, value,
        label or f"{name}()", timeout)
    for pinned in _pinned_in(args):
        pinned.sent = True
    return reply, seconds


def _prepared(value, session):
    """value with stand-in objects as handles and pinned values marked for this session."""
    if isinstance(value, RemoteObject):
        owner, handle = object.__getattribute__(value, "_grader_remote")
        if owner is not session:
            raise StaleObject(f"This {type(value).__name__} was made in an earlier cell; the "
                              f"grader gives every check a fresh process.")
        return values.Handle(handle)
    if type(value) is values.Pinned:
        if value.session is not session:
            value.session, value.sent = session, False
        return value
    if type(value) in (list, tuple):
        return type(value)(_prepared(item, session) for item in value)
    if type(value) is dict:
        return {key: _prepared(item, session) for key, item in value.items()}
    return value


def _pinned_in(args):
    return [arg for arg in args if type(arg) is values.Pinned]


def _value(reply, args, kwargs):
    """The value of a reply; raise what the student's code raised or the grader refused."""
    __tracebackhide__ = True  # noqa: F841
    kind, payload, changed = reply
    if kind == "error":
        if not isinstance(payload, dict):
            raise WorkerBroken("Your code's process sent a malformed error.")
        raised_in_your_code(student_exception(payload))
    if kind == "refused":
        raise ResultRefused(str(payload)[:1000])
    if kind != "value":
        raise WorkerBroken(f"Your code's process sent a {kind!r} where a value was due.")
    _write_back(changed, args, kwargs)
    return payload


def raised_in_your_code(error):
    """Raise here what the student's code raised in its own process.

    IPython shows the check's line, this frame (the last is always shown)
    and, below the message, where in the student's files it was raised.
    """
    raise error


def _write_back(changed, args, kwargs):
    """Copy the in-place changes the student's code made to array arguments."""
    if not isinstance(changed, dict):
        return
    for key, new in changed.items():
        if type(key) is int and 0 <= key < len(args):
            target = args[key]
        elif type(key) is str and key in kwargs:
            target = kwargs[key]
        else:
            continue
        if type(target) is np.ndarray and type(new) is np.ndarray and target.flags.writeable \
                and target.shape == new.shape and target.dtype == new.dtype:
            np.copyto(target, new)
