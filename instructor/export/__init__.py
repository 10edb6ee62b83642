"""Where a batch's grades go: Canvas and Moodle grade imports (``lms.py``), and a
Gradescope autograder that grades with this grader (``gradescope.py``, ``gradescope_run.py``)."""
