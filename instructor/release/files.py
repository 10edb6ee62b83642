"""Writing the release's files: parents made, text as UTF-8 with Unix line ends."""

import json
import shutil


def copy_file(src, dst):
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src, dst)


def write_text(path, text, mode=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    if mode is not None:
        path.chmod(mode)


def write_json(path, data):
    write_text(path, json.dumps(data, indent=2, sort_keys=False) + "\n")


def ensure_parent(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    return path
