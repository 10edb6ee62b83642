"""The grader's parts, one job each.

- :mod:`.bundle`: read the autograder bundle made by ``python -m instructor release``.
- :mod:`.submission`: take a directory or ``.zip`` apart safely, keeping only student files.
- :mod:`.workspace`: lay those files over the pristine bundle in a fresh folder.
- :mod:`.sandbox`: run nbval there, isolated and limited; kill what is left.
- :mod:`.launcher`, :mod:`.nbval_plugin`: copied into the workspace; they run inside it.
- :mod:`.results`: checks, status, ``result.json``, the text of ``gradebook.csv``.
- :mod:`.feedback`: ``feedback.md`` for the student, hints, written answers.
"""
