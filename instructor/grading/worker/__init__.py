"""What runs inside the sandbox (and the value format both sides share).

- :mod:`.values`: plain values to bytes and back; nothing is executed or unpickled.
- :mod:`.wire`: messages on the session and control sockets.
- :mod:`.worker`: the worker process, a fresh child per session.

The folder is bound read-only into the sandbox and run from there, so these
files import only the standard library, numpy and each other.
"""
