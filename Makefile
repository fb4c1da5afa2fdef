# Shortcuts for course.py, which does the work (it needs only Python).
PYTHON ?= python3

TASKS = lab test execute bench test-oldest slides html wheel handout editions

.PHONY: $(TASKS)
$(TASKS):
	$(PYTHON) course.py $@
