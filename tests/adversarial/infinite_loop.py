# Adversarial payload: an infinite loop at import that swallows every interrupt.
# verdict: timeout; passes: none
def _forever():
    while True:
        try:
            while True:
                pass
        except BaseException:
            pass


_forever()
