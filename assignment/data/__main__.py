"""Command line: ``python -m assignment.data download [--root DIR]``.

Run it from the kit's root folder. It does what ``./get_datasets.sh`` does,
for machines without bash (Windows).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .download import DownloadError, download_cifar10


def main(argv=None):
    """Run the command line; returns the exit status (0 on success)."""
    parser = argparse.ArgumentParser(
        prog="python -m assignment.data",
        description="Data sets of the linear classifiers assignment.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    download = commands.add_parser(
        "download",
        help="download CIFAR-10 (163 MB) into the data sets folder, like ./get_datasets.sh",
        description="Download CIFAR-10, check its MD5 and unpack it to DIR/cifar-10-batches-py. "
                    "Safe to run again: it resumes an interrupted download and does nothing "
                    "when CIFAR-10 is already there.",
    )
    download.add_argument(
        "--root", type=Path, default=None, metavar="DIR",
        help="the data sets folder (default: $DATASETS_DIR, else the kit's datasets/)",
    )
    args = parser.parse_args(argv)

    try:
        download_cifar10(args.root)
    except DownloadError as error:
        print(f"Error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Interrupted; run the download again to resume it.", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
