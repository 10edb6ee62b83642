
# --- adversarial payload: allocate (and touch) memory until something gives ---
_hog = []
while True:
    _hog.append(bytearray(64 * 2**20))
