"""The exercises' reference solutions (solutions.py): the answer key (issue 12)."""
