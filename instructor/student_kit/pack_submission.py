#!/usr/bin/env python3
"""Pack your submission: ``python pack_submission.py YOUR_NAME``.

Writes ``YOUR_NAME.zip`` in this folder, holding ``assignment/`` (your code)
and ``notebooks/`` (your written answers), ready to hand in. It refuses when a
file you fill in, or a notebook, is missing, and will not overwrite an
existing zip unless you add ``--force``.

Needs only Python's standard library; works on Windows, macOS and Linux.
"""

import argparse
import json
import os
import re
import sys
import tempfile
import zipfile
from pathlib import Path

KIT = Path(__file__).resolve().parent
KIT_JSON = KIT / ".checks" / "kit.json"
PACKED = ("assignment", "notebooks")
SKIPPED_DIRS = {"__pycache__", ".ipynb_checkpoints", ".pytest_cache", ".mypy_cache"}
SKIPPED_FILES = {".DS_Store", "Thumbs.db", "desktop.ini"}
SKIPPED_SUFFIXES = (".pyc", ".pyo", ".swp", "~")
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
# The stubs the release put in place of your code, `raise NotImplementedError(...)`
# or `dW = Unfinished(...)`, by their message (not any NotImplementedError: an
# abstract method may raise one on purpose).
STUB = "('Implement this part of "


class PackError(Exception):
    """The submission cannot be packed; the message says why and what to do."""


def required_files(kit=KIT):
    """The files a submission must hold: the student files and the notebooks."""
    try:
        info = json.loads((kit / ".checks" / "kit.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise PackError(
            "Cannot find .checks/kit.json, the list of files to hand in. Run this script "
            "from the kit's folder, and restore .checks/ from a fresh copy of the kit if "
            "you deleted it.")
    return list(info.get("student_files", [])), list(info.get("notebooks", []))


def files_to_pack(kit=KIT):
    """Relative POSIX paths of the files that go into the zip, sorted."""
    found = []
    for top in PACKED:
        for folder, dirs, files in os.walk(kit / top):
            dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
            for name in sorted(files):
                if name in SKIPPED_FILES or name.endswith(SKIPPED_SUFFIXES):
                    continue
                found.append((Path(folder) / name).relative_to(kit).as_posix())
    return sorted(found)


def warnings_for(kit, student_files):
    """Things worth knowing before handing in (never a reason to refuse)."""
    notes = []
    for name in student_files:
        text = (kit / name).read_text(encoding="utf-8", errors="replace")
        try:
            compile(text, name, "exec")
        except SyntaxError as error:
            notes.append(f"{name}:{error.lineno}: syntax error ({error.msg}); every check "
                         f"that uses this file will fail.")
        stubs = [number for number, line in enumerate(text.splitlines(), 1) if STUB in line]
        if stubs:
            where = ", ".join(map(str, stubs))
            notes.append(f"{name}: still holds a TODO's stub (line{'s' if len(stubs) > 1 else ''} "
                         f"{where}): a TODO not done yet?")
    return notes


def pack(name, kit=KIT, out_dir=None, force=False):
    """Write ``<out_dir>/<name>.zip``; returns (path, number of files, notes)."""
    kit = Path(kit)
    name = name[:-4] if name.lower().endswith(".zip") else name
    if not NAME.match(name):
        raise PackError(
            f"{name!r} is not a usable name: use letters, digits, '.', '-' or '_' only, "
            f"starting with a letter or digit (e.g. ada_lovelace).")
    student_files, notebooks = required_files(kit)
    missing = [path for path in student_files + notebooks if not (kit / path).is_file()]
    if missing:
        raise PackError(
            "Cannot pack: these files of your submission are missing:\n"
            + "".join(f"  - {path}\n" for path in missing)
            + "Put them back (from a fresh copy of the kit, with your work copied in) "
              "and run this again.")
    out_dir = Path(out_dir) if out_dir is not None else kit
    target = out_dir / f"{name}.zip"
    if target.exists() and not force:
        raise PackError(f"{target} already exists. Add --force to replace it.")
    members = files_to_pack(kit)
    out_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out_dir, prefix=f".{name}.", suffix=".zip.tmp")
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for member in members:
                archive.write(kit / member, member)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target, len(members), warnings_for(kit, student_files)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python pack_submission.py",
        description="Pack assignment/ and notebooks/ into NAME.zip, ready to hand in.")
    parser.add_argument("name", metavar="NAME", help="your name as the course asks for it, "
                                                      "e.g. ada_lovelace (the zip is NAME.zip)")
    parser.add_argument("--force", action="store_true", help="replace an existing NAME.zip")
    parser.add_argument("--out", metavar="DIR", help="folder for the zip (default: this kit's folder)")
    args = parser.parse_args(argv)
    try:
        target, count, notes = pack(args.name, out_dir=args.out, force=args.force)
    except PackError as error:
        print(f"pack_submission: {error}", file=sys.stderr)
        return 1
    for note in notes:
        print(f"note: {note}")
    print(f"Wrote {target} ({count} files, {target.stat().st_size // 1024 + 1} KB). "
          f"Hand in this file.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
