#!/usr/bin/env bash
# Download CIFAR-10 (the python version, 163 MB) and unpack it to
# datasets/cifar-10-batches-py/. Run it from anywhere:
#
#     ./get_datasets.sh
#
# Safe to run again: it does nothing when CIFAR-10 is already there, resumes
# an interrupted download, checks the archive's MD5 before unpacking it, and
# unpacks into a temporary folder that it renames at the end, so
# datasets/cifar-10-batches-py is either complete or absent.
#
# No bash (Windows)? `python -m assignment.data download` does the same, with
# the same messages; the kit's tests check that both behave alike.
#
# Environment variables (for the tests, or a mirror):
#   CIFAR10_URL   where to download from
#   CIFAR10_MD5   the archive's expected MD5
#   DATASETS_DIR  the data sets folder (default: datasets/ beside this script)

set -euo pipefail

URL="${CIFAR10_URL:-https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz}"
MD5="$(printf '%s' "${CIFAR10_MD5:-c58f30108f718f92721af3b95e74349a}" | tr 'A-F' 'a-f')"
ROOT="${DATASETS_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/datasets}"

FOLDER="$ROOT/cifar-10-batches-py"
ARCHIVE="$ROOT/cifar-10-python.tar.gz"
PARTIAL="$ROOT/.cifar-10-python.tar.gz.part"   # its name until its MD5 is right
STAGING_PREFIX="$ROOT/.cifar-10-extract."        # temporary extraction folder
RUN_AGAIN="run the download again"

# The exit status of fetch when the server ignores a request to resume.
CANNOT_RESUME=100

staging=""     # the temporary extraction folder, if one exists
http_code=""   # the HTTP status of curl's last request

main() {
    if [[ -d "$FOLDER" ]]; then
        say "CIFAR-10 is already in $FOLDER; nothing to do."
        return
    fi
    # Choose the tools first, so that a missing one stops us before anything changes.
    downloader="$(find_tool curl wget)" \
        || fail "found neither curl nor wget to download with; install one of them, or run: python -m assignment.data download"
    md5_tool="$(find_tool md5sum md5)" \
        || fail "found neither md5sum nor md5 to check the download with; install coreutils, or run: python -m assignment.data download"

    mkdir -p "$ROOT" 2>/dev/null || fail "cannot create the folder $ROOT; check that you may write there."
    rm -rf "$STAGING_PREFIX"*   # left behind by an extraction that was killed

    if ! has_verified_archive; then
        download
        check_md5
        mv "$PARTIAL" "$ARCHIVE"
    fi
    extract
    rm -f "$ARCHIVE"
    say "Done: CIFAR-10 is in $FOLDER."
}

say() { printf '%s\n' "$*"; }

fail() {
    printf 'Error: %s\n' "$*" >&2
    exit 1
}

# Print the first of the given commands that is installed; fail if none is.
find_tool() {
    local tool
    for tool in "$@"; do
        if command -v "$tool" >/dev/null 2>&1; then
            printf '%s\n' "$tool"
            return 0
        fi
    done
    return 1
}

md5_of() {
    # Read from stdin so that the output holds only the checksum (and, for md5sum, " -").
    case "$md5_tool" in
        md5sum) md5sum <"$1" | cut -d ' ' -f 1 ;;
        md5) md5 -q <"$1" ;;   # macOS
    esac
}

# Succeed if the archive is already here with the right checksum; delete a wrong one.
has_verified_archive() {
    [[ -f "$ARCHIVE" ]] || return 1
    say "Checking the MD5 checksum of $ARCHIVE ..."
    [[ "$(md5_of "$ARCHIVE")" == "$MD5" ]] && return 0
    say "Its checksum is wrong; deleting it and downloading again."
    rm -f "$ARCHIVE"
    return 1
}

download() {
    if [[ -s "$PARTIAL" ]]; then
        say "Resuming the download of $URL at byte $(wc -c <"$PARTIAL" | tr -d ' ') ..."
    else
        say "Downloading $URL to $PARTIAL ..."
    fi
    local status=0
    fetch || status=$?
    if ((status == CANNOT_RESUME)); then
        say "The server cannot resume the download; downloading from the start."
        rm -f "$PARTIAL"
        status=0
        fetch || status=$?
    fi
    ((status == 0)) || fail "downloading $URL failed: $(explain "$status"). Check your internet connection and $RUN_AGAIN; it resumes where it stopped."
}

# Download (or continue downloading) URL into PARTIAL; returns the tool's exit status.
fetch() {
    local status=0
    if [[ "$downloader" == curl ]]; then
        # --continue-at - : append to PARTIAL from its current size (a Range request).
        # --speed-*: give up on a connection that has stalled for a minute.
        # --write-out: keep the HTTP status, to tell errors apart.
        http_code="$(curl --fail --location --continue-at - --output "$PARTIAL" --progress-bar \
            --connect-timeout 30 --speed-limit 1024 --speed-time 60 \
            --write-out '%{http_code}' "$URL")" || status=$?
        # 416 "Range Not Satisfiable": PARTIAL already holds every byte.
        if ((status == 22)) && [[ "$http_code" == 416 ]]; then status=0; fi
        # 33: the server ignored the Range request; 36: it cannot resume from there.
        if ((status == 33 || status == 36)); then status=$CANNOT_RESUME; fi
    else
        # wget --continue starts over by itself when the server cannot resume.
        wget --continue --output-document="$PARTIAL" --tries=1 --timeout=60 \
            --progress=dot:mega "$URL" || status=$?
    fi
    return "$status"
}

# Explain a curl or wget exit status in words.
explain() {
    local status="$1"
    if [[ "$downloader" == curl ]]; then
        case "$status" in
            6) echo "could not find the server (no internet connection?)" ;;
            7) echo "could not connect to the server" ;;
            22) echo "the server answered HTTP $http_code" ;;
            23) echo "could not write $PARTIAL (is the disk full?)" ;;
            18 | 56) echo "the connection broke off" ;;
            28) echo "the connection timed out" ;;
            35 | 60) echo "the secure (TLS) connection failed" ;;
            *) echo "curl stopped with exit status $status" ;;
        esac
    else
        case "$status" in
            3) echo "could not write $PARTIAL (is the disk full?)" ;;
            4) echo "a network failure (no connection, or it broke off)" ;;
            5) echo "the secure (TLS) connection failed" ;;
            8) echo "the server answered with an HTTP error" ;;
            *) echo "wget stopped with exit status $status" ;;
        esac
    fi
}

# Delete PARTIAL and fail unless its MD5 is the expected one.
check_md5() {
    say "Checking the MD5 checksum of $PARTIAL ..."
    local actual
    actual="$(md5_of "$PARTIAL")"
    if [[ "$actual" != "$MD5" ]]; then
        # A corrupt download cannot be repaired by resuming it: start afresh.
        rm -f "$PARTIAL"
        fail "the MD5 checksum of the download is $actual, not $MD5: the file is corrupt or is not CIFAR-10. Deleted it; $RUN_AGAIN. If this happens again, download $URL by hand and check its MD5."
    fi
}

# Unpack the archive into a temporary folder, then rename its cifar-10-batches-py
# into place: a rename within one file system is atomic, so FOLDER never exists
# half full. The EXIT trap removes the temporary folder whatever happens.
extract() {
    say "Extracting $ARCHIVE ..."
    staging="$(mktemp -d "${STAGING_PREFIX}XXXXXX")" \
        || fail "could not create a temporary folder in $ROOT; check the free space and permissions."
    # The archive's MD5 is known to be right, so its contents are trusted;
    # tar also refuses members with '..' or absolute paths.
    tar -xzf "$ARCHIVE" -C "$staging" \
        || fail "could not extract $ARCHIVE (tar's message is above). Is the disk full? CIFAR-10 needs about 180 MB once extracted. Nothing was left half-extracted; free some space and $RUN_AGAIN."
    if [[ ! -d "$staging/cifar-10-batches-py" ]]; then
        rm -f "$ARCHIVE"   # it is not the archive we want: do not keep it
        fail "$ARCHIVE has no cifar-10-batches-py folder; it is not the CIFAR-10 archive. Deleted it; check the download address."
    fi
    mv "$staging/cifar-10-batches-py" "$FOLDER"
}

cleanup() {
    if [[ -n "$staging" ]]; then rm -rf "$staging"; fi
}

trap cleanup EXIT
trap 'say "Interrupted; $RUN_AGAIN to resume it." >&2; exit 130' INT TERM

main "$@"
