
# --- adversarial payload: an infinite loop at import that ignores interrupts ---
def _forever():
    while True:
        try:
            while True:
                pass
        except BaseException:   # swallow nbval's KeyboardInterrupt
            pass


_forever()
