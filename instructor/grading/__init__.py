"""The grader's parts, one job each.

Trusted (instructor code only), in the grader's process:

- :mod:`.bundle`: read the autograder bundle made by ``python -m instructor release``.
- :mod:`.submission`: take a directory or ``.zip`` apart safely, keeping only student files.
- :mod:`.limits`: the one set of limits and their command-line options.
- :mod:`.cgroup`: a control group per submission (memory, CPU, tasks together).
- :mod:`.sandbox`: how the worker is isolated (bubblewrap).
- :mod:`.workspace`: a fresh folder per submission, and the trusted kernel's configuration.
- :mod:`.harness`: run pytest + nbval on the check notebooks; kill what is left.
- :mod:`.results`: checks, status, ``result.json``, the text of ``gradebook.csv``.
- :mod:`.feedback`, :mod:`.hints`, :mod:`.evidence_run`: ``feedback.md`` for the student, the
  mistakes the evidence shows (measured by :mod:`.kernel.evidence`), written answers.

In the harness and its kernels (trusted): :mod:`.nbval_plugin` (copied into the
workspace, with ``instructor/output_diff.py`` and ``instructor/kit_contract.py``,
which the student kit's self-check shares), :mod:`.kernel` (the stand-ins for the
student's modules), :mod:`.speed` (the speed checks). In the sandbox, the only
place a student's code runs: :mod:`.worker`.
"""
