# Adversarial payload: in every check, raise an exception whose class is named after the
# call's arguments; for a hidden check only the kind of failure may show, never that name.
# verdict: ok; passes: scale-two scale-three


def add(a, b):
    raise type(f"Saw_{abs(a)}_{'minus' if a < 0 else 'plus'}_{b}_Error", (Exception,), {})("x")
