"""The leak scan: no solution line of the source may reach the student kit."""

import json
from pathlib import Path

from ..regions import find_regions


# A solution line shorter than this is too generic ("else:") to call a leak.
_MIN_LEAK_CHARS = 10


def solution_lines(root, files):
    """Stripped solution lines worth calling a leak (line -> its student file).

    A line that some shipped ``.py`` file of the source also has outside its
    regions is provided code, not a secret (a student file's solution may
    repeat another file's boilerplate); nor is a line too short to mean much.
    """
    root = Path(root)
    inside, outside = {}, set()
    for name in files:
        if not name.endswith(".py"):
            continue
        source = (root / name).read_text(encoding="utf-8")
        regions = find_regions(source, name)
        numbers = {n for region in regions for n in range(region.begin, region.end + 1)}
        outside.update(line.strip() for number, line in enumerate(source.splitlines(), 1)
                       if number not in numbers)
        for region in regions:
            for line in region.body.splitlines():
                inside.setdefault(line.strip(), name)
    return {line: name for line, name in inside.items()
            if line not in outside and len(line) >= _MIN_LEAK_CHARS}


def kit_lines(path):
    """Stripped lines of a built file, notebooks read cell by cell."""
    if path.suffix == ".ipynb":
        nb = json.loads(path.read_text(encoding="utf-8"))
        texts = []
        for cell in nb.get("cells", []):
            texts.append(_joined(cell.get("source", "")))
            for output in cell.get("outputs", []):
                texts.append(_joined(output.get("text", "")))
                for value in output.get("data", {}).values():
                    texts.append(_joined(value))
        return {line.strip() for text in texts for line in text.splitlines()}
    try:
        return {line.strip() for line in path.read_text(encoding="utf-8").splitlines()}
    except (UnicodeDecodeError, OSError):
        return set()


def _joined(value):
    return "".join(value) if isinstance(value, list) else str(value)


def leaks(kit, secret):
    """(file, line) for every secret line found in the built kit."""
    found = []
    for path in sorted(Path(kit).rglob("*")):
        if path.is_file():
            for line in sorted(kit_lines(path) & set(secret)):
                found.append((path.relative_to(kit).as_posix(), line))
    return found
