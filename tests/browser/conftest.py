"""Fixtures for the browser tests: a copy of the kit, JupyterLab on loopback, headless Chromium.

The tests drive Debian's ``chromium`` (``/usr/bin/chromium``, or the path in
``$CHROMIUM``) with Playwright's Python package; they never download a
browser. Where Chromium is absent they are skipped with the reason, except
in CI (``CI=true``), where that is a failure: ``.ci/install-browser``
installs it there.

Screenshots go to ``tests/browser/screenshots/`` (git-ignored) or to the
folder in ``$BROWSER_SCREENSHOTS``; the folder is printed at the end of the run.
"""

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

KIT_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(os.environ.get("BROWSER_SCREENSHOTS")
                   or Path(__file__).resolve().parent / "screenshots")

#: Flags for a headless Chromium on a machine without network: no first-run
#: wizard, no background requests (they would only fail), no GPU.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]

# Parts of the kit the notebooks never need (and a downloaded CIFAR-10: the
# notebooks run on the embedded digits here, which keeps them fast).
_NOT_COPIED = {".git", "__pycache__", ".ipynb_checkpoints", ".pytest_cache", ".venv", "venv",
               "screenshots", "cifar-10-batches-py", "cifar-10-python.tar.gz"}

# JupyterLab user settings for the test server: no news or update pop-ups (the
# machine is offline), and every cell kept in the page, so that the tests
# see all outputs, not only those scrolled into view.
_LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings":
        {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings":
        {"windowingMode": "none"},
}


def in_ci():
    """True when the CI variable says so (``CI=true`` as set by CI services)."""
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def find_chromium():
    """The Chromium executable to use, or None.

    ``$CHROMIUM`` when set (and then only it), else ``/usr/bin/chromium``, else
    ``chromium`` on PATH.
    """
    chosen = os.environ.get("CHROMIUM", "").strip()
    candidates = [chosen] if chosen else ["/usr/bin/chromium", shutil.which("chromium")]
    for candidate in candidates:
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def _unavailable(reason):
    """Skip outside CI; fail in CI, where the browser must be there."""
    if in_ci():
        pytest.fail(f"{reason} (CI=true: .ci/install-browser should have installed it).",
                    pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium_path():
    path = find_chromium()
    if path is None:
        where = os.environ.get("CHROMIUM", "").strip() or "/usr/bin/chromium"
        _unavailable(f"Chromium not found at {where}: install it with `sudo apt-get install "
                     "chromium chromium-driver` (or `sudo bash .ci/install-browser`) to run "
                     "the browser tests")
    return path


@pytest.fixture(scope="session")
def browser(chromium_path):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("Chromium is installed but Playwright's Python package is not: "
                    "`pip install -r requirements-dev.txt` (never `playwright install`; "
                    "the tests use the system Chromium).", pytrace=False)
    with sync_playwright() as playwright:
        # Playwright starts Chromium with a fresh, empty profile of its own.
        chromium = playwright.chromium.launch(executable_path=chromium_path, headless=True,
                                              args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _ignore(directory, names):
    ignored = {name for name in names if name in _NOT_COPIED or name.endswith(".pyc")}
    if Path(directory).resolve() == (KIT_ROOT / "benchmarks").resolve():
        ignored.add("results")
    return ignored


def _stub_student_files(kit):
    """Make ``kit`` look like the student kit: each solution region raises NotImplementedError."""
    from instructor.regions import replace_regions, student_files

    for relative in student_files(kit):
        path = kit / relative
        path.write_text(replace_regions(
            path.read_text(encoding="utf-8"),
            lambda region: f"{region.indent}raise NotImplementedError('{relative}: to do')\n",
            name=relative), encoding="utf-8")


@pytest.fixture(scope="session")
def served_root(tmp_path_factory):
    """The folder JupyterLab serves: ``kit/``, a copy of this kit with the reference
    solutions, and ``student/``, the same with every solution region a stub."""
    root = tmp_path_factory.mktemp("served")
    shutil.copytree(KIT_ROOT, root / "kit", ignore=_ignore, symlinks=True)
    shutil.copytree(root / "kit", root / "student", symlinks=True)
    _stub_student_files(root / "student")
    return root


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class JupyterServer:
    """A running ``jupyter lab`` on 127.0.0.1: its URL, token and log."""

    def __init__(self, root, home):
        self.root = root
        self.token = secrets.token_hex(16)
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = home / "jupyter.log"
        settings = home / "lab-settings"
        for name, values in _LAB_SETTINGS.items():
            target = settings / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(values))
        env = dict(os.environ)
        env.update({
            # The kernel is the `python` found first on PATH: this interpreter's.
            "PATH": os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")]),
            "JUPYTER_CONFIG_DIR": str(home / "config"),
            "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
            "JUPYTER_DATA_DIR": str(home / "data"),
            "IPYTHONDIR": str(home / "ipython"),
            "ASSIGNMENT_DATASET": "digits",
            "PYTHONDONTWRITEBYTECODE": "1",
        })
        env.pop("DATASETS_DIR", None)
        env.pop("MPLBACKEND", None)
        command = [
            sys.executable, "-m", "jupyter", "lab", "--no-browser",
            f"--port={self.port}", "--ServerApp.port_retries=0",
            "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={root}",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            f"--LabApp.user_settings_dir={settings}",
            f"--LabApp.workspaces_dir={home / 'workspaces'}",
            # No extension manager: it would query a package index, and the tests are offline.
            "--LabApp.extension_manager=readonly",
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.append("--allow-root")  # CI runs as root
        self._log = open(self.log_path, "wb")
        self.process = subprocess.Popen(command, cwd=root, env=env, stdout=self._log,
                                        stderr=subprocess.STDOUT, start_new_session=True)

    def api(self, path, method="GET", body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.url}{path}", method=method, data=data,
                                         headers={"Authorization": f"token {self.token}",
                                                  "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    def wait_until_ready(self, timeout=90):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with {self.process.returncode}:\n"
                                   f"{self.log_tail()}")
            try:
                self.api("/api/status")
                return
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.5)
        raise RuntimeError(f"jupyter lab did not answer within {timeout} s:\n{self.log_tail()}")

    def start_kernel(self, notebook_path):
        """Start the notebook's kernel (a session) before the page opens it.

        JupyterLab then connects to it, rather than asking which kernel to
        start when it has not yet loaded the kernel list.
        """
        self.api("/api/sessions", method="POST", body={
            "path": notebook_path, "name": Path(notebook_path).name, "type": "notebook",
            "kernel": {"name": "python3"}})

    def shutdown_kernels(self):
        """Stop every kernel this server runs (each notebook starts its own)."""
        for session in self.api("/api/sessions"):
            self.api(f"/api/sessions/{session['id']}", method="DELETE")

    def log_tail(self, lines=40):
        if not self._log.closed:
            self._log.flush()
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def stop(self):
        if self.process.poll() is None:
            # The server runs in its own session (process group): end it and its kernels.
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._log.close()


@pytest.fixture(scope="session")
def jupyter(chromium_path, served_root, tmp_path_factory):
    """JupyterLab serving the kit copies on a free loopback port, with a random token."""
    server = JupyterServer(served_root, tmp_path_factory.mktemp("jupyter"))
    try:
        server.wait_until_ready()
        yield server
    finally:
        server.stop()


_screenshots_taken = []


@pytest.fixture(scope="session")
def screenshot_dir():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    _screenshots_taken.append(SCREENSHOTS)
    return SCREENSHOTS


def pytest_terminal_summary(terminalreporter):
    if _screenshots_taken:
        terminalreporter.write_sep("-", "browser screenshots")
        terminalreporter.write_line(f"Screenshots of the notebooks in Chromium: {SCREENSHOTS}")
