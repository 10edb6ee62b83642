"""Which submissions one part of a batch grades: ``--shard K/N``.

A batch split into N shards is graded by N processes, often on N machines
(the tasks of a Slurm job array, the pods of a Kubernetes indexed job). Each
must pick the same part whatever machine it runs on and in whatever order it
is given the paths, so the part is decided by a hash of the submission's
name alone: a submission is in shard ``K`` when ``sha256(name) mod N == K``.
The names are those of the results folders, which are unique in a batch, so
the N parts are disjoint and together hold every submission.
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


def shard_of(name, count):
    """The shard, 0 to count-1, that grades the submission called ``name``."""
    digest = hashlib.sha256(name.lower().encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count
