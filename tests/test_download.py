"""Tests of the CIFAR-10 download: get_datasets.sh (with curl, and with wget)
and its Python twin, `python -m assignment.data download`.

No network: each test starts a loopback HTTP server that serves a tiny
archive in the shape of cifar-10-python.tar.gz, and points the download at it
with CIFAR10_URL and CIFAR10_MD5. Every behaviour is checked for all three
ways of downloading, so they stay alike.
"""

import hashlib
import http.server
import io
import os
import pickle
import shutil
import socket
import subprocess
import sys
import tarfile
import threading
from pathlib import Path

import numpy as np
import pytest

from assignment.data import load_dataset

KIT_ROOT = Path(__file__).resolve().parents[1]
SCRIPT = KIT_ROOT / "get_datasets.sh"
FOLDER = "cifar-10-batches-py"
ARCHIVE = "cifar-10-python.tar.gz"
PARTIAL = ".cifar-10-python.tar.gz.part"
FILES = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch", "batches.meta", "readme.html"]
IMPLEMENTATIONS = ["curl", "wget", "python"]


# ----------------------------------------------------------------------------
# A tiny cifar-10-python.tar.gz


def batch_bytes(rows, seed):
    rng = np.random.RandomState(seed)
    batch = {
        "batch_label": f"batch {seed}",
        "labels": [int(label) for label in rng.randint(0, 10, size=rows)],
        "data": rng.randint(0, 256, size=(rows, 3072)).astype(np.uint8),
        "filenames": [f"{i}.png" for i in range(rows)],
    }
    return pickle.dumps(batch, protocol=2)


def cifar_members():
    """The files of a small CIFAR-10 folder: name -> content."""
    members = {f"data_batch_{i}": batch_bytes(3, seed=i) for i in range(1, 6)}
    members["test_batch"] = batch_bytes(3, seed=6)
    members["batches.meta"] = pickle.dumps({"label_names": ["airplane", "automobile", "bird", "cat",
                                                            "deer", "dog", "frog", "horse", "ship", "truck"]})
    members["readme.html"] = b"<html>tiny CIFAR-10 for tests</html>"
    return members


def make_tar_gz(members, folder=FOLDER, extra=()):
    """A .tar.gz holding `folder`/ with `members` (name -> bytes) and `extra` TarInfos."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        if folder:
            directory = tarfile.TarInfo(folder)
            directory.type, directory.mode = tarfile.DIRTYPE, 0o755
            tar.addfile(directory)
        for name, content in members.items():
            info = tarfile.TarInfo(f"{folder}/{name}" if folder else name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
        for info, content in extra:
            tar.addfile(info, io.BytesIO(content) if content is not None else None)
    return buffer.getvalue()


MEMBERS = cifar_members()
ARCHIVE_BYTES = make_tar_gz(MEMBERS)


def md5(content):
    return hashlib.md5(content).hexdigest()


# ----------------------------------------------------------------------------
# The loopback server


class ArchiveServer:
    """Serves one file at /cifar-10-python.tar.gz on 127.0.0.1, like a web server.

    Attributes the tests set or read:
    content : bytes      what it serves
    ranges : bool        whether it honours Range requests (False: answers 200)
    drop_after : int     if set, close the connection after this many body bytes
    requests : list      the Range header of each request (None if there was none)
    """

    def __init__(self, content):
        self.content, self.ranges, self.drop_after, self.requests = content, True, None, []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                server.handle(self)

            def log_message(self, *args):
                pass  # keep test output clean

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/{ARCHIVE}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def handle(self, request):
        wanted = request.headers.get("Range")
        self.requests.append(wanted)
        if request.path != f"/{ARCHIVE}":
            request.send_error(404)
            return
        size, start = len(self.content), 0
        if wanted and self.ranges:
            start = int(wanted.removeprefix("bytes=").split("-")[0])
            if start >= size:
                request.send_response(416)
                request.send_header("Content-Range", f"bytes */{size}")
                request.send_header("Content-Length", "0")
                request.end_headers()
                return
            request.send_response(206)
            request.send_header("Content-Range", f"bytes {start}-{size - 1}/{size}")
        else:
            request.send_response(200)
        body = self.content[start:]
        request.send_header("Content-Type", "application/x-gzip")
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        if self.drop_after is not None:
            request.wfile.write(body[:self.drop_after])
            request.wfile.flush()
            request.close_connection = True
            request.connection.shutdown(socket.SHUT_RDWR)
            return
        request.wfile.write(body)

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    archive_server = ArchiveServer(ARCHIVE_BYTES)
    yield archive_server
    archive_server.close()


# ----------------------------------------------------------------------------
# Running the three implementations


def path_without(bin_dir, hidden):
    """A PATH where the commands in `hidden` do not exist: a folder of links to all others."""
    bin_dir.mkdir()
    for directory in os.environ["PATH"].split(os.pathsep):
        if not os.path.isdir(directory):
            continue
        for name in os.listdir(directory):
            source, link = os.path.join(directory, name), bin_dir / name
            if name in hidden or link.exists() or not os.access(source, os.X_OK):
                continue
            link.symlink_to(source)
    return str(bin_dir)


def shell_tools_missing(*needed):
    """Why the shell script cannot be tested here, or None if it can."""
    if sys.platform == "win32":
        return "the shell script is for macOS and Linux"
    missing = [tool for tool in ("bash", *needed) if not shutil.which(tool)]
    if not (shutil.which("md5sum") or shutil.which("md5")):
        missing.append("md5sum or md5")
    return f"{', '.join(missing)} not installed" if missing else None


@pytest.fixture(scope="module")
def paths(tmp_path_factory):
    """PATH values that hide tools: curl's (no wget), wget's (no curl), and two with none of either."""
    base = tmp_path_factory.mktemp("bin")
    return {
        "curl": path_without(base / "no-wget", {"wget"}),
        "wget": path_without(base / "no-curl", {"curl"}),
        "none": path_without(base / "no-downloader", {"curl", "wget"}),
        "no-md5": path_without(base / "no-md5", {"md5sum", "md5"}),
    }


class Runner:
    """Runs one implementation of the download against a data sets folder."""

    def __init__(self, how, root, paths):
        self.how, self.root, self.paths = how, root, paths

    def __call__(self, url, md5_sum=None, path=None):
        env = {key: value for key, value in os.environ.items() if "proxy" not in key.lower()}
        env.update(CIFAR10_URL=url, CIFAR10_MD5=md5_sum or md5(ARCHIVE_BYTES), DATASETS_DIR=str(self.root))
        if self.how == "python":
            # --root rather than DATASETS_DIR, to test the flag (both point to the same place).
            command = [sys.executable, "-m", "assignment.data", "download", "--root", str(self.root)]
        else:
            command = [shutil.which("bash"), str(SCRIPT)]
            env["PATH"] = path or self.paths[self.how]
        return subprocess.run(command, cwd=KIT_ROOT, env=env, capture_output=True, text=True, timeout=60)

    def leftovers(self):
        """Names in the data sets folder other than the finished CIFAR-10 folder."""
        return sorted(p.name for p in self.root.iterdir() if p.name != FOLDER) if self.root.exists() else []


@pytest.fixture(params=IMPLEMENTATIONS)
def download(request, tmp_path):
    how = request.param
    if how == "python":
        return Runner(how, tmp_path / "datasets", {})
    why_not = shell_tools_missing(how)
    if why_not:
        pytest.skip(why_not)
    return Runner(how, tmp_path / "datasets", request.getfixturevalue("paths"))


def assert_complete(root):
    folder = root / FOLDER
    assert sorted(p.name for p in folder.iterdir()) == sorted(FILES)
    for name, content in MEMBERS.items():
        assert (folder / name).read_bytes() == content


# ----------------------------------------------------------------------------
# Tests


def test_downloads_checks_and_extracts(download, server):
    result = download(server.url)
    assert result.returncode == 0, result.stderr
    assert_complete(download.root)
    assert download.leftovers() == [], "no archive, partial file or temporary folder is left"
    assert "Checking the MD5 checksum" in result.stdout
    assert result.stdout.strip().endswith(f"Done: CIFAR-10 is in {download.root / FOLDER}.")
    assert server.requests == [None]


def test_result_loads(download, server):
    assert download(server.url).returncode == 0
    data = load_dataset("cifar10", root=download.root, num_train=12, num_val=3, num_test=3, num_dev=2)
    assert data.X_train.shape == (12, 3072)


def test_second_run_does_nothing(download, server):
    assert download(server.url).returncode == 0
    result = download(server.url)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"CIFAR-10 is already in {download.root / FOLDER}; nothing to do."
    assert len(server.requests) == 1, "the second run must not download again"
    assert_complete(download.root)


def test_wrong_checksum_fails_and_leaves_nothing(download, server):
    result = download(server.url, md5_sum="0" * 32)
    assert result.returncode != 0
    assert f"Error: the MD5 checksum of the download is {md5(ARCHIVE_BYTES)}, not {'0' * 32}" in result.stderr
    assert "Deleted it; run the download again" in result.stderr
    assert download.leftovers() == [], "no folder, no archive under any name"
    assert not (download.root / FOLDER).exists()


def test_resumes_a_partial_download(download, server):
    download.root.mkdir()
    half = len(ARCHIVE_BYTES) // 2
    (download.root / PARTIAL).write_bytes(ARCHIVE_BYTES[:half])
    result = download(server.url)
    assert result.returncode == 0, result.stderr
    assert f"Resuming the download of {server.url} at byte {half}" in result.stdout
    assert server.requests == [f"bytes={half}-"], "only the missing bytes are asked for"
    assert_complete(download.root)


def test_complete_partial_download_is_not_fetched_again(download, server):
    download.root.mkdir()
    (download.root / PARTIAL).write_bytes(ARCHIVE_BYTES)
    result = download(server.url)
    assert result.returncode == 0, result.stderr
    assert server.requests == [f"bytes={len(ARCHIVE_BYTES)}-"]  # answered 416: nothing missing
    assert_complete(download.root)


def test_starts_over_when_the_server_cannot_resume(download, server):
    server.ranges = False  # it answers 200 and the whole file, whatever the Range
    download.root.mkdir()
    (download.root / PARTIAL).write_bytes(ARCHIVE_BYTES[:100])
    result = download(server.url)
    assert result.returncode == 0, result.stderr
    if download.how != "wget":  # wget handles this itself, skipping the bytes it has
        assert "The server cannot resume the download; downloading from the start." in result.stdout
    assert_complete(download.root)
    assert download.leftovers() == []


def test_interrupted_download_is_kept_and_resumed(download, server):
    server.drop_after = 1000
    result = download(server.url)
    assert result.returncode != 0
    assert f"Error: downloading {server.url} failed" in result.stderr
    assert "it resumes where it stopped" in result.stderr
    assert not (download.root / FOLDER).exists()
    assert download.leftovers() == [PARTIAL], "the partial download is kept, under its temporary name"
    assert (download.root / PARTIAL).stat().st_size == 1000

    server.drop_after = None
    result = download(server.url)
    assert result.returncode == 0, result.stderr
    assert server.requests[-1] == "bytes=1000-"
    assert_complete(download.root)


def test_server_down(download):
    # A port that was free a moment ago: nothing listens there, so the connection is refused.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = download(f"http://127.0.0.1:{port}/{ARCHIVE}")
    assert result.returncode != 0
    assert "Error: downloading" in result.stderr
    reason = "a network failure" if download.how == "wget" else "could not connect to the server"
    assert f"failed: {reason}" in result.stderr
    assert "Check your internet connection" in result.stderr
    assert not (download.root / FOLDER).exists()
    assert ARCHIVE not in download.leftovers()


def test_http_error(download, server):
    result = download(server.url.replace(ARCHIVE, "missing.tar.gz"))
    assert result.returncode != 0
    assert "Error: downloading" in result.stderr and "HTTP" in result.stderr
    assert download.leftovers() in ([], [PARTIAL])
    assert not (download.root / FOLDER).exists()


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full to fake a full disk")
def test_full_disk(download, server):
    download.root.mkdir()
    # Every write to /dev/full fails with "No space left on device".
    (download.root / PARTIAL).symlink_to("/dev/full")
    result = download(server.url)
    assert result.returncode != 0
    assert "is the disk full?" in result.stderr.lower()
    assert not (download.root / FOLDER).exists()
    assert ARCHIVE not in download.leftovers()


def test_extraction_is_all_or_nothing(download, server):
    # An archive that breaks off half-way: some files extract, then tar fails.
    rng = np.random.RandomState(0)
    big = {name: rng.bytes(200_000) for name in FILES}  # random bytes do not compress
    truncated = make_tar_gz(big)[:700_000]
    server.content = truncated
    result = download(server.url, md5_sum=md5(truncated))
    assert result.returncode != 0
    assert f"Error: could not extract {download.root / ARCHIVE}" in result.stderr
    assert "Nothing was left half-extracted" in result.stderr
    assert not (download.root / FOLDER).exists(), "no half-extracted folder"
    # The verified archive is kept, so a second try need not download it again.
    assert download.leftovers() == [ARCHIVE]


def test_archive_without_the_folder(download, server):
    server.content = make_tar_gz({"notes.txt": b"hello"}, folder="something-else")
    result = download(server.url, md5_sum=md5(server.content))
    assert result.returncode != 0
    assert "has no cifar-10-batches-py folder" in result.stderr
    assert download.leftovers() == []


def test_verified_archive_already_there_is_used(download, server):
    download.root.mkdir()
    (download.root / ARCHIVE).write_bytes(ARCHIVE_BYTES)
    result = download(server.url)
    assert result.returncode == 0, result.stderr
    assert server.requests == [], "nothing to download"
    assert_complete(download.root)
    assert download.leftovers() == []


def test_wrong_archive_already_there_is_replaced(download, server):
    download.root.mkdir()
    (download.root / ARCHIVE).write_bytes(b"not the archive")
    result = download(server.url)
    assert result.returncode == 0, result.stderr
    assert "Its checksum is wrong; deleting it and downloading again." in result.stdout
    assert_complete(download.root)


def test_stale_temporary_folders_are_removed(download, server):
    stale = download.root / ".cifar-10-extract.abc123"
    stale.mkdir(parents=True)
    (stale / "junk").write_bytes(b"left by a killed run")
    assert download(server.url).returncode == 0
    assert download.leftovers() == []


def test_nothing_leaves_the_folder(download, server, tmp_path):
    # A member that climbs out with '..': it must not land outside the data sets folder.
    escape = tarfile.TarInfo("../escaped.txt")
    escape.size = 4
    server.content = make_tar_gz(MEMBERS, extra=[(escape, b"evil")])
    result = download(server.url, md5_sum=md5(server.content))
    assert not (tmp_path / "escaped.txt").exists()
    assert not (download.root.parent / "escaped.txt").exists()
    if download.how == "python":
        # The Python twin refuses the whole archive (GNU tar drops the '..' and goes on).
        assert result.returncode != 0
        assert "refusing to extract it" in result.stderr
        assert download.leftovers() == [] and not (download.root / FOLDER).exists()


def test_python_twin_refuses_links(tmp_path, server):
    link = tarfile.TarInfo(f"{FOLDER}/passwd")
    link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
    server.content = make_tar_gz(MEMBERS, extra=[(link, None)])
    result = Runner("python", tmp_path / "datasets", {})(server.url, md5_sum=md5(server.content))
    assert result.returncode != 0
    assert "'cifar-10-batches-py/passwd', which is not a plain file or folder" in result.stderr
    assert not (tmp_path / "datasets" / FOLDER).exists()


@pytest.mark.skipif(shell_tools_missing() is not None, reason="bash and md5sum or md5 needed")
def test_script_without_curl_or_wget(tmp_path, paths, server):
    runner = Runner("curl", tmp_path / "datasets", paths)
    result = runner(server.url, path=paths["none"])
    assert result.returncode != 0
    assert "Error: found neither curl nor wget" in result.stderr
    assert "python -m assignment.data download" in result.stderr
    assert not runner.root.exists(), "nothing is created before the tools are found"


@pytest.mark.skipif(shell_tools_missing("curl") is not None, reason="bash, curl and md5sum or md5 needed")
def test_script_without_md5_tool(tmp_path, paths, server):
    runner = Runner("curl", tmp_path / "datasets", paths)
    result = runner(server.url, path=paths["no-md5"])
    assert result.returncode != 0
    assert "Error: found neither md5sum nor md5" in result.stderr
    assert server.requests == []


def test_script_is_an_executable_bash_script():
    assert os.access(SCRIPT, os.X_OK), "students run it as ./get_datasets.sh"
    lines = SCRIPT.read_text().splitlines()
    assert lines[0] == "#!/usr/bin/env bash"
    assert "set -euo pipefail" in lines


def test_script_and_twin_agree_on_the_defaults():
    from assignment.data import download as twin

    text = SCRIPT.read_text()
    assert f'CIFAR10_URL:-{twin.URL}' in text
    assert f'CIFAR10_MD5:-{twin.MD5}' in text
    assert twin.MD5 == "c58f30108f718f92721af3b95e74349a"
    assert twin.URL == "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    assert f'PARTIAL="$ROOT/{twin.PARTIAL_NAME}"' in text
    assert f'STAGING_PREFIX="$ROOT/{twin.STAGING_PREFIX}"' in text


def test_python_twin_needs_a_command():
    result = subprocess.run([sys.executable, "-m", "assignment.data"], cwd=KIT_ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "download" in result.stderr
