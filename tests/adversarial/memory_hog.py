# Adversarial payload: allocate (and touch) memory at import until something gives.
# verdict: memory; passes: none
_hog = []
while True:
    _hog.append(bytearray(64 * 2**20))
