"""``python -m instructor report``: one page on a graded batch (see :mod:`.page`).

``analysis.py`` computes the figures from the results, ``similarity.py``
finds submissions whose student code is unusually alike, ``page.py`` draws
and writes the page.
"""
