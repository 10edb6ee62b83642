# Adversarial payload: start processes at import that are meant to outlive the grading.
# verdict: ok; passes: all
# needs: bubblewrap
import os as _os
import subprocess as _subprocess

_subprocess.Popen(["sleep", "987651"], start_new_session=True,
                  stdout=_subprocess.DEVNULL, stderr=_subprocess.DEVNULL)
_pid = _os.fork()
if _pid == 0:                            # a daemon: double fork, new session
    try:
        _os.setsid()
        if _os.fork() == 0:
            _os.execvp("sleep", ["sleep", "987652"])
    finally:
        _os._exit(0)
_os.waitpid(_pid, 0)
