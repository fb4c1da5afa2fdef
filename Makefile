# Shortcuts for course.py, which does the work (it needs only Python).
PYTHON ?= python3

.PHONY: lab test execute bench test-oldest slides html wheel handout editions
lab:
	$(PYTHON) course.py lab
test:
	$(PYTHON) course.py test
execute:
	$(PYTHON) course.py execute
bench:
	$(PYTHON) course.py bench
test-oldest:
	$(PYTHON) course.py test-oldest
slides:
	$(PYTHON) course.py slides
html:
	$(PYTHON) course.py html
wheel:
	$(PYTHON) course.py wheel
handout:
	$(PYTHON) course.py handout
editions:
	$(PYTHON) course.py editions
