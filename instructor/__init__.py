"""Instructor tools: the release builder and the grader (never shipped to students)."""
