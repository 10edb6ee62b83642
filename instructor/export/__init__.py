"""Where a batch's grades go: Canvas and Moodle grade imports (``lms.py``)."""
