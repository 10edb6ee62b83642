
# --- adversarial payload: leave the kernel at import ---
import os as _os

_os._exit(3)
