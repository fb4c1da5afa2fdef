# Shortcuts for course.py, which does the work (it needs only Python).
PYTHON ?= python3

.PHONY: lab test execute bench
lab:
	$(PYTHON) course.py lab
test:
	$(PYTHON) course.py test
execute:
	$(PYTHON) course.py execute
bench:
	$(PYTHON) course.py bench
