"""The trusted kernel: runs the check notebooks and reaches the student's code only
through stand-ins.

- :mod:`.link`: the sandboxed worker, its sessions, forwarded calls.
- :mod:`.standins`: the student modules as stand-ins (functions, classes, objects).
- :mod:`.extension`: the IPython extension that installs them in the kernel.
"""
