"""Kernel launcher, run inside the grading workspace (a standalone script).

The grader's kernel spec starts ``python launcher.py CONFIG -f CONNECTION_FILE``
instead of ipykernel. As the (trusted) test harness's user it

1. reads the connection file the harness wrote (readable only by the harness),
2. sets the resource limits (CPU, address space, file size, processes, open
   files, no core dumps) that the student's code then cannot raise,
3. drops to the workspace's unprivileged uid when started as root (so the
   process limit counts only the student's processes, and the student cannot
   read the expected outputs, signal the harness or write outside its scratch
   folder),
4. writes its own copy of the connection file in the scratch folder and
   ``exec``s ipykernel in a clean environment.

It imports nothing from the kit: it must not depend on the grader's package.
"""

import json
import os
import resource
import sys


def main(argv):
    config_path, flag, connection_file = argv[1], argv[2], argv[3]
    assert flag == "-f", "usage: launcher.py CONFIG -f CONNECTION_FILE"
    with open(config_path, encoding="utf-8") as f:
        config = json.load(f)
    with open(connection_file, encoding="utf-8") as f:
        connection = f.read()
    scratch = config["scratch"]
    uid = config.get("uid")
    # The scratch folder may be a fresh tmpfs (bubblewrap): make its folders
    # and give them to the kernel's uid.
    folders = [os.path.join(scratch, sub) for sub in config.get("scratch_dirs", [])]
    if uid is not None and os.getuid() == 0 and os.stat(scratch).st_uid != uid:
        # First kernel of the run. Later ones find the folders made (or, if
        # the student removed some, the kernel remakes what it needs).
        for folder in folders:
            os.makedirs(folder, mode=0o700, exist_ok=True)
        for folder in folders + [scratch]:      # the scratch root last: then it is closed to us
            os.chown(folder, uid, uid)
    else:
        for folder in folders:
            try:
                os.makedirs(folder, mode=0o700, exist_ok=True)
            except OSError:
                pass
    for name, value in config["limits"].items():
        limit = getattr(resource, name, None)
        if limit is not None:
            resource.setrlimit(limit, (value, value))
    if uid is not None and os.getuid() == 0:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)   # drops every capability too
    os.umask(0o077)
    private = os.path.join(scratch, "kernel-connection.json")
    fd = os.open(private, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(connection)
    env = {key: value for key, value in os.environ.items() if key.startswith("JPY_")}
    env.update(config["env"])
    os.execve(config["python"], [config["python"], "-m", "ipykernel_launcher", "-f", private,
                                 "--HistoryManager.enabled=False"], env)


if __name__ == "__main__":
    main(sys.argv)
