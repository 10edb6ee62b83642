# Adversarial payload on the stubs: print up to the output cap, a carriage return and the
# expected output, so that the cap drops the check's own print and the return hides the
# padding. What the student's code prints can neither erase nor silence what a check prints.
# base: stub
# verdict: ok; passes: none
import sys as _sys
import time as _time


def add(a, b):
    expected = {(1, 2): "3\n", (-5, 3): "-2\n"}[(a, b)]
    for cap in (200_000, 400_000):                  # the cap of the output, and of the cell
        _sys.stdout.write("P" * (cap - 1 - len(expected)) + "\r" + expected)
        _sys.stdout.flush()
    _time.sleep(0.6)                                # so that the kernel sends it on its own
    return 0
