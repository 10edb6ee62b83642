"""Download CIFAR-10: the Python twin of ``get_datasets.sh``.

For machines without bash (Windows)::

    python -m assignment.data download [--root DIR]

It behaves like the shell script and prints the same messages:

1. If ``<root>/cifar-10-batches-py`` exists, it says so and stops.
2. It downloads the archive to ``<root>/.cifar-10-python.tar.gz.part``,
   resuming a partial download (an HTTP Range request) where the server
   allows it, and starting over where it does not.
3. It checks the archive's MD5 and only then renames it to
   ``cifar-10-python.tar.gz``; a wrong checksum deletes it.
4. It extracts into a temporary folder and renames ``cifar-10-batches-py``
   into place at the end, so that folder is either complete or absent.
5. It deletes the archive.

The environment variables ``CIFAR10_URL``, ``CIFAR10_MD5`` and
``DATASETS_DIR`` override the address, the checksum and the folder (the
tests serve a tiny archive from their own loopback server).
"""

from __future__ import annotations

import hashlib
import http.client
import os
import shutil
import socket
import tarfile
import tempfile
import urllib.error
import urllib.request
import zlib
from pathlib import Path

from .cifar10 import FOLDER_NAME
from .loader import default_root

URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
MD5 = "c58f30108f718f92721af3b95e74349a"

ARCHIVE_NAME = "cifar-10-python.tar.gz"
#: The download's name until its checksum is right (hidden, and git-ignored).
PARTIAL_NAME = ".cifar-10-python.tar.gz.part"
#: Prefix of the temporary extraction folder.
STAGING_PREFIX = ".cifar-10-extract."

#: Seconds to wait for the server (to connect, and for each chunk).
TIMEOUT = 60
CHUNK_SIZE = 1 << 20

RUN_AGAIN = "run the download again"


class DownloadError(Exception):
    """A step of the download failed; the message says what happened and what to do."""


def download_cifar10(root=None, *, url=None, md5=None, log=print):
    """Download CIFAR-10 and unpack it to ``<root>/cifar-10-batches-py``.

    Parameters
    ----------
    root : str or Path, optional
        The data sets folder; default ``$DATASETS_DIR`` or the kit's ``datasets/``.
    url : str, optional
        Where to download from; default ``$CIFAR10_URL`` or the official address.
    md5 : str, optional
        The archive's expected MD5 (hex); default ``$CIFAR10_MD5`` or the official one.
    log : callable
        Called with each progress message.

    Returns
    -------
    Path
        The ``cifar-10-batches-py`` folder.

    Raises
    ------
    DownloadError
        If any step fails. A partial download is kept (to resume); an archive
        with a wrong checksum and a half-extracted folder are not.
    """
    root = Path(root) if root is not None else default_root()
    url = url or os.environ.get("CIFAR10_URL") or URL
    md5 = (md5 or os.environ.get("CIFAR10_MD5") or MD5).lower()
    folder = root / FOLDER_NAME

    if folder.is_dir():
        log(f"CIFAR-10 is already in {folder}; nothing to do.")
        return folder
    make_folder(root)
    remove_stale_staging(root)

    archive, partial = root / ARCHIVE_NAME, root / PARTIAL_NAME
    if not has_verified_archive(archive, md5, log):
        fetch(url, partial, log)
        check_md5(partial, md5, url, log)
        partial.replace(archive)
    extract(archive, folder, log)
    archive.unlink()
    log(f"Done: CIFAR-10 is in {folder}.")
    return folder


def make_folder(root):
    """Create the data sets folder if needed."""
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DownloadError(
            f"cannot create the folder {root} ({error.strerror}); check that you may write there."
        ) from None


def remove_stale_staging(root):
    """Remove temporary folders left by an extraction that was killed."""
    for stale in root.glob(STAGING_PREFIX + "*"):
        shutil.rmtree(stale, ignore_errors=True)


def has_verified_archive(archive, md5, log):
    """True if `archive` exists with the right checksum; deletes a wrong one."""
    if not archive.is_file():
        return False
    log(f"Checking the MD5 checksum of {archive} ...")
    if md5_of(archive) == md5:
        return True
    log("Its checksum is wrong; deleting it and downloading again.")
    archive.unlink()
    return False


def fetch(url, partial, log):
    """Download `url` into `partial`, resuming it if it is not empty.

    Raises
    ------
    DownloadError
        If the server cannot be reached, answers with an error, or the
        connection breaks off; what arrived so far stays in `partial`.
    """
    start = partial.stat().st_size if partial.is_file() else 0
    if start:
        log(f"Resuming the download of {url} at byte {start} ...")
    else:
        log(f"Downloading {url} to {partial} ...")

    # Ask only for the bytes we lack; a server that ignores the Range header
    # answers 200 with the whole file, and we start over.
    headers = {"Range": f"bytes={start}-"} if start else {}
    try:
        response = urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=TIMEOUT)
    except urllib.error.HTTPError as error:
        if error.code == 416 and start:
            return  # "Range Not Satisfiable": we already have every byte
        raise DownloadError(download_failed(url, f"the server answered HTTP {error.code} {error.reason}")) from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise DownloadError(download_failed(url, f"could not connect to the server ({reason})")) from None

    with response:
        resuming = bool(start) and response.status == 206
        if start and not resuming:
            log("The server cannot resume the download; downloading from the start.")
        length = response.headers.get("Content-Length")
        expected = int(length) if length is not None else None
        try:
            with open(partial, "ab" if resuming else "wb") as file:
                received = copy_stream(response, file, url, expected, log)
        except OSError as error:
            # Reading errors became DownloadErrors in copy_stream, so this one
            # comes from opening, writing or closing (flushing) the file.
            raise DownloadError(
                f"could not write {partial} ({error.strerror}). Is the disk full? CIFAR-10 "
                f"needs about 350 MB while it is unpacked; free some space and {RUN_AGAIN}."
            ) from None
    if expected is not None and received < expected:
        raise DownloadError(download_failed(
            url, f"the connection broke off after {received} of {expected} bytes"))


def copy_stream(response, file, url, expected, log):
    """Copy the response body into `file` chunk by chunk; returns the byte count.

    Raises DownloadError if the connection breaks off; lets the OSError of a
    failed write through.
    """
    received, next_report = 0, 0.1
    while True:
        try:
            chunk = response.read(CHUNK_SIZE)
        except (OSError, http.client.HTTPException) as error:
            # socket.timeout and ConnectionResetError are OSErrors;
            # IncompleteRead is an HTTPException.
            what = "timed out" if isinstance(error, socket.timeout) else "broke off"
            raise DownloadError(download_failed(
                url, f"the connection {what} after {received} bytes ({error})")) from None
        if not chunk:
            return received
        file.write(chunk)
        received += len(chunk)
        if expected and received >= next_report * expected:
            log(f"  {int(100 * received / expected)}% of {expected / 1e6:.1f} MB")
            next_report += 0.1


def download_failed(url, reason):
    """The message for a download that did not complete."""
    return (
        f"downloading {url} failed: {reason}. Check your internet connection and "
        f"{RUN_AGAIN}; it resumes where it stopped."
    )


def check_md5(path, expected, url, log):
    """Raise DownloadError, deleting `path`, unless its MD5 is `expected`."""
    log(f"Checking the MD5 checksum of {path} ...")
    actual = md5_of(path)
    if actual != expected:
        # A corrupt download cannot be repaired by resuming it: start afresh.
        path.unlink()
        raise DownloadError(
            f"the MD5 checksum of the download is {actual}, not {expected}: the file is "
            f"corrupt or is not CIFAR-10. Deleted it; {RUN_AGAIN}. If this happens again, "
            f"download {url} by hand and check its MD5."
        )


def md5_of(path):
    """The MD5 of a file, as 32 lowercase hex digits."""
    # MD5 detects a corrupt download, which is all it is used for here.
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(CHUNK_SIZE), b""):
            digest.update(chunk)
    return digest.hexdigest()


def extract(archive, folder, log):
    """Unpack `archive` and move its ``cifar-10-batches-py`` to `folder`.

    Unpacks into a temporary folder beside `folder` and renames at the end:
    a rename within one file system is atomic, so `folder` never exists half
    full. The temporary folder is removed whatever happens.
    """
    log(f"Extracting {archive} ...")
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=folder.parent))
    try:
        try:
            unpack_safely(archive, staging)
        except DownloadError:
            archive.unlink()  # it is not the archive we want: do not keep it
            raise
        except (tarfile.TarError, OSError, EOFError, zlib.error) as error:
            raise DownloadError(
                f"could not extract {archive} ({error}). Is the disk full? CIFAR-10 needs "
                f"about 180 MB once extracted. Nothing was left half-extracted; free some "
                f"space and {RUN_AGAIN}."
            ) from None
        unpacked = staging / FOLDER_NAME
        if not unpacked.is_dir():
            archive.unlink()
            raise DownloadError(
                f"{archive} has no {FOLDER_NAME} folder; it is not the CIFAR-10 archive. "
                "Deleted it; check the download address."
            )
        unpacked.replace(folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def unpack_safely(archive, destination):
    """Extract a .tar.gz, refusing members that would land outside `destination`.

    Only regular files and folders are allowed: no links, devices, absolute
    paths or ``..``. (Python 3.12's ``filter='data'`` adds the same check;
    it is used too where available, but older Pythons need this one.)
    """
    destination = destination.resolve()
    extra = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
    with tarfile.open(archive, "r:gz") as tar:
        # Member by member: one pass through the compressed stream.
        for member in tar:
            target = (destination / member.name).resolve()
            if not (member.isfile() or member.isdir()) or not target.is_relative_to(destination):
                raise DownloadError(
                    f"{archive} holds {member.name!r}, which is not a plain file or "
                    f"folder inside the archive's folder; refusing to extract it. "
                    "Deleted it; check the download address."
                )
            tar.extract(member, destination, **extra)
