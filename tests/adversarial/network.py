
# --- adversarial payload: try to reach the network; fail loudly if it works ---
import socket as _socket

_reached = []
for _host, _port in [("1.1.1.1", 53), ("8.8.8.8", 53), ("deb.debian.org", 80), ("pypi.org", 443)]:
    try:
        _socket.create_connection((_host, _port), timeout=2).close()
        _reached.append(f"{_host}:{_port}")
    except OSError:
        pass
if _reached:
    raise RuntimeError("network reachable from the grader: " + ", ".join(_reached))
