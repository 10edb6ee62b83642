"""Which submissions one part of a batch grades: ``--shard K/N``.

A batch split into N shards is graded by N processes, often on N machines
(the tasks of a Slurm job array, the pods of a Kubernetes indexed job). Each
must pick the same part whatever machine it runs on and in whatever order it
is given the paths, and the parts should be equal: the batch takes as long
as its largest part. So the submissions' names are put in the order of their
hashes (``sha256``) and dealt out in turn: shard ``K`` holds the K-th, the
(K+N)-th, ... Every shard of one batch must be given the same batch (as
``instructor slurm`` gives every task the one list it writes). The names are
those of the results folders, unique in a batch, so the N parts are disjoint,
hold every submission together, and differ in size by one at most. (A hash of
each name alone, ``sha256(name) mod N``, would not need the batch, but gave 3
and 5 of 8 submissions: the batch then took 5/4 of the time it needs.)
"""

import hashlib
import os

# Where batch schedulers put a task's index, 0 to N-1, in this order of preference.
TASK_INDEX_VARIABLES = ("SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX")


class ShardError(ValueError):
    """A ``--shard`` that does not name one of N parts."""


def parse_shard(text, environ=os.environ):
    """``(index, count)`` from ``"K/N"``, or from ``"N"`` with K the scheduler's task index.

    K counts from 0 to N-1, as Slurm array indices (``--array=0-N-1``) and
    Kubernetes completion indices do.
    """
    index_text, slash, count_text = text.rpartition("/")
    if not slash:
        index_text, count_text = None, text
    try:
        count = int(count_text)
    except ValueError:
        raise ShardError(f"--shard {text!r}: expected K/N (for example 0/8) or N") from None
    if count < 1:
        raise ShardError(f"--shard {text!r}: N must be at least 1")
    if index_text is None:
        found = [(name, environ[name]) for name in TASK_INDEX_VARIABLES if environ.get(name)]
        if not found:
            raise ShardError(f"--shard {text!r} gives no K, and none of "
                             f"{', '.join(TASK_INDEX_VARIABLES)} is set; give --shard K/{count}")
        variable, index_text = found[0]
        source = f"{variable}={index_text}"
    else:
        source = f"--shard {text}"
    try:
        index = int(index_text)
    except ValueError:
        raise ShardError(f"{source}: K must be a whole number from 0 to {count - 1}") from None
    if not 0 <= index < count:
        raise ShardError(f"{source}: K must be from 0 to {count - 1}")
    return index, count


def part(names, index, count):
    """The names that shard ``index`` of ``count`` grades (see the module's docstring).

    Parameters
    ----------
    names : iterable of str
        The batch's submission names (distinct, also when case is ignored).
    index, count : int
        ``0 <= index < count``.

    Returns
    -------
    list of str
    """
    ranked = sorted(set(names), key=lambda name: (_digest(name), name))
    return ranked[index::count]


def _digest(name):
    return hashlib.sha256(name.lower().encode("utf-8")).digest()
