#!/usr/bin/env python3
"""Pack your submission: ``python pack_submission.py YOUR_NAME``.

Writes ``YOUR_NAME.zip`` in this folder, holding ``assignment/`` (your code)
and ``notebooks/`` (your written answers), ready to hand in.

It refuses (writes nothing, exit status 1) when

- a file you fill in, or a notebook, is missing, or so is the kit's own
  ``.checks/kit.json`` or ``.checks/kit_contract.py`` (which it reads);
- a notebook in ``notebooks/`` cannot be read as a notebook (not valid JSON,
  say after an edit outside Jupyter): the grader could not read the written
  answers in it. Open it in Jupyter and save it again, or restore it from a
  checkpoint. ``--force-invalid`` packs it as it is all the same;
- ``YOUR_NAME.zip`` exists already: ``--force`` replaces it (and only that).

Otherwise it writes the zip (exit status 0) and notes, without refusing, what
is worth a look before you hand in: a TODO whose stub is still there, a
file that does not compile, and the inline questions still unanswered.

Needs only Python's standard library; works on Windows, macOS and Linux.
"""

import argparse
import importlib.util
import json
import os
import re
import sys
import tempfile
import zipfile
from pathlib import Path

KIT = Path(__file__).resolve().parent
KIT_JSON = KIT / ".checks" / "kit.json"
# What this script shares with the grader: the answer mark it finds answers by,
# how a stub reads, which files are never your work.
CONTRACT = KIT / ".checks" / "kit_contract.py"
PACKED = ("assignment", "notebooks")
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
# A question cell starts with "**Inline question N.**".
QUESTION = re.compile(r"\s*\*\*Inline question (\d+)")


def _load_contract(path=CONTRACT):
    """The module in .checks/kit_contract.py (this script runs alone: no package to import from).

    Without it the script stops at once (exit status 1, nothing written), saying so.
    """
    if not path.is_file():
        sys.exit("pack_submission: cannot find .checks/kit_contract.py, which this script "
                 "needs. Run it from the kit's folder, and restore .checks/ from a fresh copy "
                 "of the kit if you deleted it (your work lives in assignment/ and notebooks/, "
                 "never in .checks/).")
    spec = importlib.util.spec_from_file_location("pack_submission_kit_contract", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


contract = _load_contract()
# The grader finds a written answer by this mark, in the question's markdown cell.
ANSWER_MARK = contract.ANSWER_MARK


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
            dirs[:] = sorted(d for d in dirs if d not in contract.JUNK_DIRS)
            for name in sorted(files):
                if contract.is_junk(name):
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
        # The stubs the release put in place of your code, by their message.
        stubs = [number for number, line in enumerate(text.splitlines(), 1)
                 if contract.STUB_CALL in line]
        if stubs:
            where = ", ".join(map(str, stubs))
            notes.append(f"{name}: still holds a TODO's stub (line{'s' if len(stubs) > 1 else ''} "
                         f"{where}): a TODO not done yet?")
    return notes


def graded_notebooks(members):
    """The members that the grader reads written answers from: ``notebooks/*.ipynb``."""
    return [m for m in members
            if m.startswith("notebooks/") and m.count("/") == 1 and m.endswith(".ipynb")]


class NotANotebook(Exception):
    """A file that cannot be read as a notebook; the message says what is wrong."""


def load_notebook(path):
    """The notebook at ``path`` as a dict, read as the grader reads it.

    Raises
    ------
    NotANotebook
        When the file is empty, not valid JSON, or not an nbformat 4 notebook
        (a JSON object with a "cells" list).
    """
    data = Path(path).read_bytes()
    if not data.strip():
        raise NotANotebook("the file is empty")
    if data.startswith(b"\xef\xbb\xbf"):
        # json's own message for it ("decode using utf-8-sig") tells a
        # student nothing; the grader, like json, refuses the mark.
        raise NotANotebook("it is not valid JSON: it starts with a byte-order mark, which a "
                           "text editor may add when it saves")
    try:
        # Decoded as the grader decodes it: a stray non-UTF-8 byte becomes a
        # replacement character there, not a reason to lose the answers.
        nb = json.loads(data.decode("utf-8", errors="replace"))
    except json.JSONDecodeError as error:
        raise NotANotebook(f"it is not valid JSON ({error.msg} at line {error.lineno}, "
                           f"column {error.colno})") from None
    except RecursionError:
        raise NotANotebook("it is nested too deeply to read") from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise NotANotebook('it is JSON but not a notebook (no "cells" list)')
    return nb


def read_notebooks(kit, names):
    """Read each named notebook; returns ({name: notebook}, {name: what is wrong})."""
    readable, unreadable = {}, {}
    for name in names:
        try:
            readable[name] = load_notebook(Path(kit) / name)
        except NotANotebook as error:
            unreadable[name] = str(error)
    return readable, unreadable


def describe_unreadable(kit, unreadable):
    """'name: what is wrong' for each unreadable notebook, naming its checkpoint if any."""
    lines = []
    for name, problem in sorted(unreadable.items()):
        # Where Jupyter keeps the copy that File > Revert Notebook to Checkpoint restores.
        path = Path(name)
        checkpoint = path.parent / ".ipynb_checkpoints" / f"{path.stem}-checkpoint.ipynb"
        saved = (f" (its last checkpoint: {checkpoint.as_posix()})"
                 if (Path(kit) / checkpoint).is_file() else "")
        lines.append(f"{name}: {problem}{saved}")
    return lines


def unreadable_error(kit, unreadable):
    """The refusal for notebooks the grader could not read."""
    one = len(unreadable) == 1
    it, as_is = ("it", "it as it is") if one else ("each one", "them as they are")
    return PackError(
        "Cannot pack: the grader could not read the written answers in "
        + ("this notebook" if one else "these notebooks") + ":\n"
        + "".join(f"  - {line}\n" for line in describe_unreadable(kit, unreadable))
        + f"Open {it} in Jupyter and save it again (File > Save Notebook). If Jupyter cannot "
          f"open it, restore it from its last checkpoint (in Jupyter: File > Revert Notebook "
          f"to Checkpoint) or from a fresh copy of the kit, and redo what it lacks. Then "
          f"run this again. To pack {as_is} anyway, add --force-invalid.")


def unreadable_warnings(kit, unreadable):
    """The warnings when unreadable notebooks are packed all the same (--force-invalid)."""
    return [f"{line}; packed as it is (--force-invalid), but the grader cannot read the "
            f"written answers in it." for line in describe_unreadable(kit, unreadable)]


def cell_text(cell):
    """A cell's source as one string (nbformat stores it as a string or a list of lines)."""
    source = cell.get("source", "") if isinstance(cell, dict) else ""
    if isinstance(source, list):
        return "".join(part for part in source if isinstance(part, str))
    return source if isinstance(source, str) else ""


def inline_questions(nb):
    """(number, answer) of each inline question of a notebook, in order.

    A question is a markdown cell that says "**Inline question N.**" or holds
    the answer mark; its answer is the text after the mark, stripped (None when
    the mark is gone). N is the ordinal when the cell does not say it.
    """
    found = []
    for cell in nb["cells"]:
        if not isinstance(cell, dict) or cell.get("cell_type") != "markdown":
            continue
        text = cell_text(cell)
        numbered = QUESTION.match(text)
        if not numbered and ANSWER_MARK not in text:
            continue
        number = int(numbered.group(1)) if numbered else len(found) + 1
        answer = text.rpartition(ANSWER_MARK)[2].strip() if ANSWER_MARK in text else None
        found.append((number, answer))
    return found


def _listing(where):
    """'a.ipynb question 2; b.ipynb questions 1, 4' from {notebook: [numbers]}."""
    return "; ".join(f"{notebook} question{'s' if len(numbers) > 1 else ''} "
                     f"{', '.join(map(str, numbers))}" for notebook, numbers in where.items())


def question_notes(readable):
    """Notes on the inline questions still unanswered, or whose answer mark is gone."""
    unanswered, unmarked = {}, {}
    for name, nb in sorted(readable.items()):
        notebook = Path(name).name
        for number, answer in inline_questions(nb):
            if answer is None:
                unmarked.setdefault(notebook, []).append(number)
            elif not answer:
                unanswered.setdefault(notebook, []).append(number)
    notes = []
    count = sum(map(len, unanswered.values()))
    if count:
        notes.append(
            f"{count} inline question{' is' if count == 1 else 's are'} unanswered: "
            f"{_listing(unanswered)}. Write each answer after {ANSWER_MARK} in its question's "
            f"cell and save the notebook (an answer you wrote in a text cell of its own right "
            f"below its question is graded too, but this script cannot tell it from the "
            f"notebook's own text).")
    if unmarked:
        notes.append(
            f"{ANSWER_MARK} is gone from {_listing(unmarked)}: the grader finds your written "
            f"answers by it. Put it back, just before your answer.")
    return notes


def pack(name, kit=KIT, out_dir=None, force=False, force_invalid=False):
    """Write ``<out_dir>/<name>.zip``.

    Parameters
    ----------
    name : str
        The submission's name (a trailing ``.zip`` is dropped).
    kit : path
        The student kit's folder.
    out_dir : path or None
        Where the zip goes (default: the kit's folder).
    force : bool
        Replace an existing zip of that name.
    force_invalid : bool
        Pack notebooks the grader cannot read instead of refusing.

    Returns
    -------
    (path, number of files, warnings, notes)
        ``warnings`` name the unreadable notebooks packed all the same;
        ``notes`` are worth a look but never a reason to refuse.

    Raises
    ------
    PackError
        Nothing was written; the message says why and what to do.
    """
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
    members = files_to_pack(kit)
    readable, unreadable = read_notebooks(kit, graded_notebooks(members))
    if unreadable and not force_invalid:
        raise unreadable_error(kit, unreadable)
    if target.exists() and not force:
        raise PackError(f"{target} already exists. Add --force to replace it.")
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
    return (target, len(members), unreadable_warnings(kit, unreadable),
            warnings_for(kit, student_files) + question_notes(readable))


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python pack_submission.py",
        description="Pack assignment/ and notebooks/ into NAME.zip, ready to hand in.")
    parser.add_argument("name", metavar="NAME", help="your name as the course asks for it, "
                                                      "e.g. ada_lovelace (the zip is NAME.zip)")
    parser.add_argument("--force", action="store_true", help="replace an existing NAME.zip")
    parser.add_argument("--force-invalid", action="store_true",
                        help="pack a notebook the grader cannot read (not valid JSON) as it is, "
                             "instead of refusing")
    parser.add_argument("--out", metavar="DIR", help="folder for the zip (default: this kit's folder)")
    args = parser.parse_args(argv)
    try:
        target, count, warnings, notes = pack(args.name, out_dir=args.out, force=args.force,
                                              force_invalid=args.force_invalid)
    except PackError as error:
        print(f"pack_submission: {error}", file=sys.stderr)
        return 1
    for warning in warnings:
        print(f"warning: {warning}")
    for note in notes:
        print(f"note: {note}")
    print(f"Wrote {target} ({count} files, {target.stat().st_size // 1024 + 1} KB). "
          f"Hand in this file.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
