"""A real single-node Slurm cluster for the tests, started from Debian's packages.

``.ci/install-slurm`` installs ``slurm-wlm`` and ``munge``; this module starts,
in a fresh temporary folder and without systemd, the three daemons of a
cluster of this machine alone: ``munged`` (the authentication Slurm's
messages carry), ``slurmctld`` (the controller) and ``slurmd`` (the node).
Each cluster has its own key, socket, ports, state and logs, so two of them
(two test runs at once) never meet, and nothing of the machine's own
``/etc/slurm`` or ``/etc/munge`` is used.

Jobs run as an ordinary user (uid 65534, ``nobody``) as they would on a real
cluster, and that user must be able to run this Python, which may live in a
folder only root can enter (``/root/.pyenv`` here, ``/root`` being 0700).
Nothing's permissions are changed: ``slurmd`` itself is started in a mount
namespace (bubblewrap) where each such folder is a tmpfs that anyone may enter
holding read-only binds of only the paths asked for (``expose``). ``slurmd``'s
children (``slurmstepd`` and so the jobs) inherit that namespace; the client
commands run as the ordinary user (:meth:`SlurmCluster.as_user`) get the same
one.

Examples
--------
>>> with SlurmCluster() as cluster:                        # doctest: +SKIP
...     work = cluster.user_folder("work")
...     job = cluster.sbatch(["--array=0-1", "--wrap", "id -u"], cwd=work)
...     cluster.wait([job])
"""

import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from grading_fixtures import blocking_folder

NOBODY = 65534
KIT_ROOT = Path(__file__).resolve().parents[1]
DAEMONS = ("munged", "slurmctld", "slurmd")
CLIENTS = ("sbatch", "squeue", "scancel", "scontrol", "sinfo")
PARTITION = "debug"
# The states of a job that has ended (squeue lists such jobs for MinJobAge seconds).
ENDED = ("COMPLETED", "CANCELLED", "FAILED", "TIMEOUT", "NODE_FAIL", "PREEMPTED",
         "OUT_OF_MEMORY", "BOOT_FAIL", "DEADLINE")


class SlurmClusterError(RuntimeError):
    """The cluster could not be started (the message holds the daemons' logs)."""


# --------------------------------------------------------------------------
# What this machine must have

def missing():
    """What this machine lacks to start a cluster, as a list of sentences (empty: nothing).

    Returns
    -------
    list of str
        One entry per missing piece: not Linux, not root, a program not found.
    """
    lacks = []
    if not sys.platform.startswith("linux"):
        return ["Linux"]
    if os.geteuid() != 0:
        # The daemons run as root (SlurmUser=root) and jobs must change user.
        lacks.append("root (the daemons run as root and start jobs as another user)")
    for program in DAEMONS + CLIENTS:
        if _program(program) is None:
            package = "munge" if program == "munged" else "slurm-wlm"
            lacks.append(f"{program} (Debian's {package}: .ci/install-slurm)")
    for program, package in (("bwrap", "bubblewrap"), ("setpriv", "util-linux")):
        if shutil.which(program) is None:
            lacks.append(f"{program} ({package}: .ci/install-sandbox)")
    return lacks


def require():
    """Skip the calling test (fail under ``CI=true``) if this machine cannot start a cluster.

    Call it first in a fixture; it goes through ``grading_fixtures.need`` so CI,
    which installs everything (``.ci/run``), never skips silently.
    """
    import grading_fixtures as fx
    lacks = missing()
    if lacks:
        fx.need(", ".join(lacks), "a real single-node Slurm cluster")


def default_expose():
    """The paths an ordinary user's job needs to run this Python and this kit.

    Returns
    -------
    list of str
        This interpreter's installation and packages, and the kit's root.
    """
    from instructor.grading import sandbox
    return [sys.executable, *sandbox.python_roots(), str(KIT_ROOT)]


def _program(name):
    """The full path of name, looking in the sbin folders too (root's PATH may lack them)."""
    path = os.environ.get("PATH", "") + ":/usr/local/sbin:/usr/sbin:/sbin"
    return shutil.which(name, path=path)


# --------------------------------------------------------------------------
# The mount namespace that lets an ordinary user reach the exposed paths



def namespace(expose, writable=()):
    """The bubblewrap command line (a prefix) that makes ``expose`` reachable by anyone.

    The whole file system is seen as it is, except that each folder others may
    not enter (``/root``) on the way to an exposed path is replaced by a tmpfs
    that anyone may enter, holding only the exposed paths (read-only) and the
    ``writable`` ones (read-write). Nothing else of that folder is seen.

    Parameters
    ----------
    expose : iterable of path-like
        Paths to bind read-only (files or folders).
    writable : iterable of path-like
        Paths to bind read-write (only needed if they lie in a hidden folder).

    Returns
    -------
    list of str
        ``["bwrap", ..., "--"]``: append the command to run.
    """
    binds = {}                      # hidden folder -> [(path, read-only)]
    for paths, read_only in ((expose, True), (writable, False)):
        for path in paths:
            folder = blocking_folder(path)
            if folder is not None:
                binds.setdefault(folder, []).append((Path(path).resolve(), read_only))
    # --die-with-parent: what runs inside is killed with bwrap, so a timeout that kills
    # bwrap, or a test process that dies, leaves nothing running.
    command = ["bwrap", "--die-with-parent", "--dev-bind", "/", "/"]
    for folder, inside in binds.items():
        command += ["--perms", "0755", "--tmpfs", str(folder)]
        for path, read_only in inside:
            made = folder
            for part in path.relative_to(folder).parts[:-1]:
                made = made / part
                command += ["--perms", "0755", "--dir", str(made)]
            command += ["--ro-bind" if read_only else "--bind", str(path), str(path)]
    return command + ["--"]


def _die_with_parent():
    """In the child before exec: get SIGTERM if the test process dies, so no daemon is left."""
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _free_port():
    """A TCP port free now on every address (the daemons listen on all of them)."""
    with socket.socket() as probe:
        probe.bind(("", 0))
        return probe.getsockname()[1]


def _memory_mb():
    """This machine's memory in MiB, as ``slurmd -C`` reports it (RealMemory)."""
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) // 1024
    return 1024


# --------------------------------------------------------------------------
# The cluster

class SlurmCluster:
    """A single-node Slurm cluster in a temporary folder; a context manager.

    Parameters
    ----------
    expose : list of path-like, optional
        Paths the jobs and :meth:`as_user`'s commands must reach although they
        lie in a folder others may not enter; read-only. Default:
        :func:`default_expose` (this Python and the kit).
    user : int
        The ordinary user's uid (and gid) that :meth:`as_user` runs as, and so
        the jobs it submits.
    cpus : int, optional
        The node's CPUs; default: this machine's.
    memory_mb : int, optional
        The node's memory (RealMemory) in MiB; default: this machine's.
    timeout : float
        Seconds to wait for the node to be idle after starting the daemons.

    Attributes
    ----------
    folder : Path
        The temporary folder holding everything (removed on stop).
    conf : Path
        ``slurm.conf``; clients find it through ``SLURM_CONF`` (:meth:`env`).
    node, partition : str
        The node's and the only partition's names.
    """

    def __init__(self, expose=None, user=NOBODY, cpus=None, memory_mb=None, timeout=30,
                 pin_cpus=False):
        # pin_cpus: bind each task to the CPUs it was given (task/affinity), as a real
        # cluster's task plugin does; without it a 1-CPU task may use every core.
        self.pin_cpus = pin_cpus
        self.expose = [str(p) for p in (default_expose() if expose is None else expose)]
        self.user = user
        self.cpus = cpus or os.cpu_count() or 1
        self.memory_mb = memory_mb or _memory_mb()
        self.timeout = timeout
        # slurmd must find its NodeName in slurm.conf: the short hostname is what it
        # looks for by default (it is also given -N, so a strange hostname does no harm).
        self.node = socket.gethostname().split(".")[0] or "localhost"
        self.partition = PARTITION
        self.folder = None
        self.conf = None
        self._daemons = {}          # name -> Popen

    # -- starting and stopping ------------------------------------------------

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def start(self):
        """Write the configuration, start the daemons and wait for the node to be idle.

        Raises
        ------
        SlurmClusterError
            A daemon died or the node was not idle within ``timeout``; the
            message holds the daemons' logs. The cluster is stopped then.
        """
        self.folder = Path(tempfile.mkdtemp(prefix="slurm-cluster-"))
        try:
            # Others must reach the configuration and munge's socket (the clients and
            # the jobs run as the ordinary user); the key's own folder stays 0700.
            os.chmod(self.folder, 0o755)
            for name in ("munge", "state", "spool", "log", "run"):
                (self.folder / name).mkdir(mode=0o755)
            (self.folder / "key").mkdir(mode=0o700)
            self._write_munge_key()
            self.conf = self._write_conf()
            self._start_munged()
            self._start("slurmctld", [_program("slurmctld"), "-D", "-f", str(self.conf)])
            # slurmd (so slurmstepd and the jobs) sees the namespace that exposes this Python.
            self._start("slurmd", [*namespace(self.expose, self._writable()),
                                   _program("slurmd"), "-D", "-N", self.node,
                                   "-f", str(self.conf)])
            self._wait_until_idle()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self):
        """Cancel every job, stop the daemons and remove the folder. Safe to call twice."""
        if self.folder is None:
            return
        try:
            if self._alive("slurmctld"):
                self.run(["scancel", "--partition", self.partition], user=False, check=False)
                self._wait_for(lambda: all(s in ENDED for s in self.jobs().values()), 15)
            # slurmd first (it ends its steps), then the controller, then munge.
            for name in reversed(DAEMONS):
                self._terminate(name)
            self._kill_leftovers()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    # -- clients -------------------------------------------------------------

    def env(self, extra=None):
        """The environment for client commands (and so, by default, for the jobs).

        Parameters
        ----------
        extra : dict, optional
            More variables (they win).

        Returns
        -------
        dict
            ``SLURM_CONF`` (this cluster's configuration, which names munge's
            socket in ``AuthInfo``), a plain ``PATH``, ``LANG`` and ``TMPDIR``.
        """
        env = {"SLURM_CONF": str(self.conf), "LANG": "C.UTF-8", "TMPDIR": "/tmp",
               "PATH": "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
               "HOME": str(self.folder)}
        env.update(extra or {})
        return env

    def as_user(self, argv):
        """argv run as the ordinary user, in the namespace that exposes ``expose``.

        Parameters
        ----------
        argv : list of str

        Returns
        -------
        list of str
            The command line to run (as root) instead of argv.
        """
        return [*namespace(self.expose, self._writable()), "setpriv",
                f"--reuid={self.user}", f"--regid={self.user}", "--clear-groups", "--",
                *map(str, argv)]

    def run(self, argv, user=True, check=True, timeout=60, env=None, **kwargs):
        """Run a client command (``sbatch``, ``squeue``...) against this cluster.

        Parameters
        ----------
        argv : list of str
        user : bool
            As the ordinary user (:meth:`as_user`) if true, else as root.
        check : bool
            Raise ``subprocess.CalledProcessError`` (with its output) on failure.
        timeout : float
        env : dict, optional
            Variables added to :meth:`env`'s.
        **kwargs
            Passed to ``subprocess.run`` (``cwd``...).

        Returns
        -------
        subprocess.CompletedProcess
            Its stdout and stderr as text.
        """
        command = self.as_user(argv) if user else list(map(str, argv))
        done = subprocess.run(command, env=self.env(env), capture_output=True, text=True,
                              timeout=timeout, **kwargs)
        if check and done.returncode != 0:
            raise subprocess.CalledProcessError(done.returncode, argv, done.stdout,
                                                done.stderr)
        return done

    def sbatch(self, args, cwd=None, user=True, env=None):
        """Submit a batch job; return its id (for an array, the array's job id).

        Parameters
        ----------
        args : list of str
            sbatch's options and script (or ``--wrap``), e.g.
            ``["--array=0-1", "job.sh"]``.
        cwd : path-like, optional
            The submitting folder (the job's working folder and output's default
            place); the ordinary user must be able to write it
            (:meth:`user_folder`).
        user : bool
            Submit as the ordinary user (true) or as root.
        env : dict, optional
            Variables added to :meth:`env`'s (the job inherits them).

        Returns
        -------
        str
            The job id (``sbatch --parsable``'s first field).
        """
        done = self.run(["sbatch", "--parsable", *args], user=user, cwd=cwd, env=env)
        return done.stdout.strip().split(";")[0]

    def jobs(self):
        """{job id: state} of every job the controller still lists (array tasks as ``ID_I``)."""
        done = self.run(["squeue", "--noheader", "--array", "--states=all",
                         "--format=%i %T"], user=False, check=False)
        return dict(line.split() for line in done.stdout.splitlines() if line.strip())

    def state(self, job):
        """The state of a job or array task (``"123"`` or ``"123_1"``) as ``scontrol`` says.

        Returns
        -------
        str or None
            ``PENDING``, ``RUNNING``, ``COMPLETED``, ``CANCELLED``...; None if unknown.
        """
        done = self.run(["scontrol", "--oneliner", "show", "job", str(job)], user=False,
                        check=False)
        for word in done.stdout.split():
            if word.startswith("JobState="):
                return word.split("=", 1)[1]
        return None

    def wait(self, jobs, timeout=60):
        """Wait until every job given, and every task of an array given, has ended.

        Parameters
        ----------
        jobs : iterable of str
            Job ids (an array's id stands for all its tasks) or tasks (``"123_1"``).
        timeout : float

        Returns
        -------
        dict
            {job or task id (``"123"``, ``"123_0"``...): its final state}.

        Raises
        ------
        TimeoutError
            With the daemons' logs, if one is still pending or running then.
        """
        states = {}

        def ended():
            listed = self.jobs()
            states.clear()
            for job in map(str, jobs):
                mine = {k: v for k, v in listed.items() if k == job or k.startswith(job + "_")}
                states.update(mine or {job: self.state(job)})
            return all(state in ENDED for state in states.values())
        if not self._wait_for(ended, timeout):
            raise TimeoutError(f"jobs not ended after {timeout} s: {states}\n{self.logs()}")
        return dict(states)

    def user_folder(self, name):
        """A new folder in the cluster's folder that the ordinary user owns (for jobs to write).

        Returns
        -------
        Path
        """
        folder = self.folder / "users" / name
        folder.mkdir(parents=True)
        os.chmod(folder.parent, 0o755)
        os.chown(folder, self.user, self.user)
        return folder

    def logs(self):
        """Every daemon's log (and what it printed), as one text for error messages."""
        parts = []
        for path in sorted((self.folder / "log").glob("*")) if self.folder else ():
            text = path.read_text(errors="replace")
            parts.append(f"--- {path.name} ---\n{text[-6000:]}")
        return "\n".join(parts)

    # -- inside --------------------------------------------------------------

    def _writable(self):
        """The cluster's folder, bound read-write if it lies in a folder others may not enter."""
        return [self.folder] if blocking_folder(self.folder) is not None else []

    def _write_munge_key(self):
        # munged wants a key of at least 32 bytes that only its user may read.
        key = self.folder / "key" / "munge.key"
        with open(os.open(key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as f:
            f.write(os.urandom(1024))

    def _write_conf(self):
        """slurm.conf: one node, one partition, no systemd, cgroups or accounting."""
        f = self.folder
        (f / "plugstack.conf").write_text("")    # not the machine's /etc/slurm one
        memory = max(self.memory_mb - 256, 256)  # some left for the daemons
        lines = [
            "ClusterName=kit",
            f"SlurmctldHost={self.node}(127.0.0.1)",
            f"SlurmctldPort={_free_port()}",
            f"SlurmdPort={_free_port()}",
            "SlurmUser=root",
            "SlurmdUser=root",
            # munge's socket is this cluster's, not /run/munge's: the Slurm
            # library (clients, daemons and slurmstepd) reads it from here.
            "AuthType=auth/munge",
            "CredType=cred/munge",
            f"AuthInfo=socket={f / 'munge' / 'munge.socket'}",
            f"StateSaveLocation={f / 'state'}",
            f"SlurmdSpoolDir={f / 'spool' / 'slurmd-%n'}",
            f"SlurmctldPidFile={f / 'run' / 'slurmctld.pid'}",
            f"SlurmdPidFile={f / 'run' / 'slurmd-%n.pid'}",
            f"SlurmctldLogFile={f / 'log' / 'slurmctld.log'}",
            f"SlurmdLogFile={f / 'log' / 'slurmd.log'}",
            f"PlugStackConfig={f / 'plugstack.conf'}",
            # No cgroups (this machine's are v1 and not delegated) and no systemd:
            # processes are tracked through /proc, tasks are not bound.
            "ProctrackType=proctrack/linuxproc",
            "TaskPlugin=" + ("task/affinity" if self.pin_cpus else "task/none"),
            "JobAcctGatherType=jobacct_gather/none",
            "AccountingStorageType=accounting_storage/none",
            "JobCompType=jobcomp/none",
            "MpiDefault=none",
            "SwitchType=switch/none",
            "MailProg=/bin/true",
            # Cores and memory are consumable: 1-CPU tasks run side by side.
            "SelectType=select/cons_tres",
            "SelectTypeParameters=CR_Core_Memory",
            f"DefMemPerCPU={memory // self.cpus}",
            # The configuration is the truth about the node (no drain for a mismatch),
            # and it comes back idle whatever state a previous start left.
            "SlurmdParameters=config_overrides",
            "ReturnToService=2",
            # Quick tests: little waiting between SIGTERM and SIGKILL, ended jobs kept
            # listed for a while (squeue shows how they ended).
            "KillWait=2",
            "MinJobAge=300",
            "InactiveLimit=0",
            "SlurmctldDebug=info",
            "SlurmdDebug=info",
            f"NodeName={self.node} NodeAddr=127.0.0.1 CPUs={self.cpus} Sockets=1 "
            f"CoresPerSocket={self.cpus} ThreadsPerCore=1 RealMemory={memory} State=UNKNOWN",
            f"PartitionName={self.partition} Nodes={self.node} Default=YES "
            "MaxTime=INFINITE State=UP",
        ]
        conf = f / "slurm.conf"
        conf.write_text("\n".join(lines) + "\n")
        return conf

    def _start_munged(self):
        f = self.folder
        self._start("munged", [
            _program("munged"), "--foreground",
            f"--socket={f / 'munge' / 'munge.socket'}",
            f"--key-file={f / 'key' / 'munge.key'}",
            f"--seed-file={f / 'key' / 'munged.seed'}",
            f"--pid-file={f / 'run' / 'munged.pid'}",
            f"--log-file={f / 'log' / 'munged.log'}"])
        # The socket must exist before anything asks munge for a credential.
        if not self._wait_for(lambda: (f / "munge" / "munge.socket").exists(), 10):
            raise SlurmClusterError(f"munged made no socket in 10 s\n{self.logs()}")

    def _start(self, name, argv):
        """Start a daemon in the foreground, in its own process group, with its output logged."""
        out = open(self.folder / "log" / f"{name}.out", "wb")
        try:
            self._daemons[name] = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                env={"PATH": "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
                     "LANG": "C.UTF-8", "SLURM_CONF": str(self.conf or "")},
                start_new_session=True, preexec_fn=_die_with_parent)
        finally:
            out.close()

    def _alive(self, name):
        process = self._daemons.get(name)
        return process is not None and process.poll() is None

    def _wait_until_idle(self):
        """Wait for sinfo to show the node idle; fail early if a daemon died."""
        deadline = time.monotonic() + self.timeout
        state = ""
        while time.monotonic() < deadline:
            dead = [name for name in DAEMONS if not self._alive(name)]
            if dead:
                raise SlurmClusterError(f"{', '.join(dead)} stopped while starting\n"
                                        f"{self.logs()}")
            done = self.run(["sinfo", "--noheader", "--Node", "--format=%T",
                             f"--nodes={self.node}"], user=False, check=False, timeout=10)
            state = done.stdout.strip() or done.stderr.strip()
            if state == "idle":
                return
            time.sleep(0.2)
        raise SlurmClusterError(f"node {self.node} not idle after {self.timeout} s "
                                f"(sinfo: {state!r})\n{self.logs()}")

    def _terminate(self, name):
        """Stop a daemon: SIGTERM, then SIGKILL for all its process group if it lingers.

        The signal goes to the daemon itself (its pid file's pid), not to the bwrap
        that may hold it, which would kill it at once (--die-with-parent) instead
        of letting it shut down; bwrap ends when the daemon does.
        """
        process = self._daemons.pop(name, None)
        if process is None:
            return
        pid = process.pid
        pid_file = {"munged": "munged.pid", "slurmctld": "slurmctld.pid",
                    "slurmd": f"slurmd-{self.node}.pid"}[name]
        try:
            pid = int((self.folder / "run" / pid_file).read_text())
        except (OSError, ValueError):
            pass
        try:
            os.kill(pid, signal.SIGTERM)
            process.wait(10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
        # The group is the one Popen made for the daemon (start_new_session).
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        process.wait(5)

    def _kill_leftovers(self):
        """SIGKILL what this cluster started and left (a slurmstepd, a job's process).

        They are known by their environment: the daemons and the jobs all carry
        this cluster's SLURM_CONF, which no other process has.
        """
        if self.conf is None:
            return
        mark = f"SLURM_CONF={self.conf}".encode()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) == os.getpid():
                continue
            try:
                environ = (entry / "environ").read_bytes().split(b"\0")
            except OSError:
                continue
            if mark in environ:
                try:
                    os.kill(int(entry.name), signal.SIGKILL)
                except ProcessLookupError:
                    pass

    @staticmethod
    def _wait_for(condition, timeout, every=0.2):
        """True as soon as condition() is, False if it is still not after timeout seconds."""
        deadline = time.monotonic() + timeout
        while True:
            if condition():
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(every)
