# Adversarial payload: reach the network at import; fail loudly if it works.
# verdict: ok; passes: all
# needs: bubblewrap
import socket as _socket

_reached = []
for _host, _port in [("1.1.1.1", 53), ("8.8.8.8", 53), ("deb.debian.org", 80), ("pypi.org", 443),
                     ("127.0.0.1", 22)]:
    try:
        _socket.create_connection((_host, _port), timeout=2).close()
        _reached.append(f"{_host}:{_port}")
    except OSError:
        pass
if _reached:
    raise RuntimeError("network reachable from the student's code: " + ", ".join(_reached))
