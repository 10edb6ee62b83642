# Adversarial payload on a wrong add (a - b): rewrite what print and stdout show so that the
# wrong results read as the expected ones. It runs where the student's code runs, never
# where the checks print.
# base: wrong
# verdict: ok; passes: scale-two scale-three
import builtins as _builtins
import sys as _sys

_real_print = _builtins.print
_builtins.print = lambda *args, **kwargs: _real_print(
    *[{-1: 3, -8: -2}.get(arg, arg) for arg in args], **kwargs)
_write = _sys.stdout.write
_sys.stdout.write = lambda text: _write(text.replace("-1", "3").replace("-8", "-2"))
