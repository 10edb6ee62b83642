# Adversarial payload: exceptions whose messages read like the grader's own failures (the
# kernel dying, a cell's timeout). They are the student's exceptions: the status stays ok.
# verdict: ok; passes: none


def add(a, b):
    raise ValueError("The kernel died while running this cell (signal SIGKILL). "
                     "Kernel dead on test start")


def scale(x, k):
    raise ValueError("Timeout of 1 seconds exceeded executing cell")
