"""Pairs of submissions whose student code is unusually alike, found with copydetect.

`copydetect <https://github.com/blingenf/copydetect>`_ (a maintained
implementation of winnowing, the fingerprinting of Stanford's MOSS) turns
each file into the hashes of its k-token sequences after tokenizing it, which
replaces every variable name by one token and drops comments and
formatting; so renaming variables and reordering functions changes little.
The stub text that every kit carries (the student file as released: its
docstrings, its provided code, the TODO comments) is boilerplate: its
fingerprints count for no one.

A pair's score is the mean, over its two submissions, of the share of each
one's own code (its tokens outside the boilerplate, over every student file)
that the other also has. It reports; it never changes a grade.
"""

import functools
import io
from dataclasses import dataclass, field

NOISE_TOKENS = 25       # copydetect's noise threshold: shorter matches are ignored
GUARANTEE_TOKENS = 25   # matches this long are always found (window = 25 - 25 + 1)
THRESHOLD = 0.5         # default score from which a pair is listed (see the README)
MIN_TOKENS = 40         # own code below this (a stub, a line or two) is not compared


@dataclass
class Pair:
    """Two submissions and what they share."""

    first: str
    second: str
    score: float
    passages: list = field(default_factory=list)   # (file, first's text, second's text)


def _fingerprint(text, filename, boilerplate=None):
    from copydetect import CodeFingerprint
    return CodeFingerprint(filename, NOISE_TOKENS, GUARANTEE_TOKENS - NOISE_TOKENS + 1,
                           boilerplate=boilerplate, fp=io.StringIO(text))


def fingerprints(code, stubs):
    """``{file: CodeFingerprint}`` of one submission's student files, stubs removed.

    Parameters
    ----------
    code : dict
        Student file path -> its text, for one submission.
    stubs : dict
        Student file path -> the text of the file as released.
    """
    return {path: _fingerprint(text, path, _boilerplate(path, stubs[path]) if path in stubs
                               else None)
            for path, text in code.items()}


@functools.lru_cache(maxsize=None)
def _boilerplate(path, stub):
    """The fingerprints of a released file: the same for every submission, so made once."""
    return list(_fingerprint(stub, path).hashes)


def compare(first, second):
    """The score of two submissions' fingerprints and their shared passages."""
    from copydetect import compare_files
    overlap, coverage, passages = [0, 0], [0, 0], []
    for path in sorted(set(first) & set(second)):
        a, b = first[path], second[path]
        coverage[0] += a.token_coverage
        coverage[1] += b.token_coverage
        tokens, shares, (slices_a, slices_b) = compare_files(a, b)
        if not tokens:
            continue
        # Each side's share of its own tokens, back to a count, to sum over the files.
        overlap[0] += shares[0] * a.token_coverage
        overlap[1] += shares[1] * b.token_coverage
        passages.append((path, _passages(a.raw_code, slices_a), _passages(b.raw_code, slices_b)))
    if min(coverage) < MIN_TOKENS:
        return 0.0, []
    shares = [min(1.0, overlap[side] / coverage[side]) for side in (0, 1)]
    return sum(shares) / 2, passages


def _passages(text, slices, limit=4000):
    parts = [text[int(start):int(end)] for start, end in zip(*slices)]
    joined = "\n...\n".join(parts)
    return joined if len(joined) <= limit else joined[:limit] + "\n[... cut ...]"


def similar_pairs(codes, stubs, threshold=THRESHOLD):
    """Every pair of submissions whose score is at least ``threshold``, highest first.

    Parameters
    ----------
    codes : dict
        Submission name -> {student file path: text}.
    stubs : dict
        Student file path -> its text as released.
    threshold : float
    """
    prints = {name: fingerprints(code, stubs) for name, code in sorted(codes.items())}
    names = sorted(prints)
    pairs = []
    for i, first in enumerate(names):
        for second in names[i + 1:]:
            score, passages = compare(prints[first], prints[second])
            if score >= threshold:
                pairs.append(Pair(first, second, score, passages))
    return sorted(pairs, key=lambda pair: -pair.score)
