# Graded exercises (included by the top-level Makefile: `-include grading/grading.mk`).
# Uses PY, JB, STAMP and SOLUTIONS from the Makefile.
#
#   make exercises                 regenerate exercises/ from solutions/, verify every solution,
#                                  rebuild the Gradescope archive
#   make grade SUBMISSIONS=dir     grade a folder of notebooks into GRADE_OUT (default _build/grading/out):
#                                  scores.csv, grades-long.csv, canvas.csv, moodle.csv, feedback/,
#                                  grading-report.txt, similarity.html (each submission in a bubblewrap
#                                  sandbox; GRADE_SANDBOX=none to run without it, loudly; GRADE_ATTEMPTS=best
#                                  to count the best attempt; ROSTER=file.csv maps submissions to students)
#   make regrade SUBMISSIONS=dir ONLY=dir/student   regrade one student's file or folder into GRADE_OUT
#   make wheel                     the installable package (lecture_code + the student side) -> _build/dist
#   make autograder                Gradescope archive -> _build/grading/autograder.zip
#   make book-solutions            instructor site (solutions shown) -> _build/instructor/_build/html
#   make book SOLUTIONS=1          the same, through the book target
PY ?= .venv/bin/python
JB ?= .venv/bin/jupyter-book
## SUBMISSIONS: the folder of submitted notebooks `make grade` grades
SUBMISSIONS ?=
## GRADE_OUT: where `make grade` writes its outputs (scores, LMS files, feedback/, grading-report.txt, the similarity report)
GRADE_OUT ?= _build/grading/out
## ROSTER: a roster file (id, name, email, LMS id) mapping submission names to students (regrade: the graded run's roster unless given)
ROSTER ?=
## ONLY: the student (a file or folder inside SUBMISSIONS) `make regrade` grades again
ONLY ?=
## GRADE_WORKERS: submissions graded side by side
GRADE_WORKERS ?= 2
## GRADE_STEP_TIMEOUT: seconds one cell or check of a submission may take
GRADE_STEP_TIMEOUT ?= 10
## GRADE_TOTAL_TIMEOUT: CPU seconds one submission may take in all
GRADE_TOTAL_TIMEOUT ?= 60
## GRADE_WALL_TIMEOUT: wall-clock seconds one submission may take in all (sleeping and waiting included)
GRADE_WALL_TIMEOUT ?= 180
## EXERCISES: the assigned exercises, comma-separated (default: the one exercise of the notebooks found; several found: refused)
EXERCISES ?=
## GRADE_ATTEMPTS: which attempt of a student counts: latest or best (regrade: the graded run's rule unless given)
GRADE_ATTEMPTS ?= latest
## GRADE_SANDBOX: none runs submissions without the bubblewrap sandbox (only knowingly)
GRADE_SANDBOX ?=
export GRADE_SANDBOX

.PHONY: exercises exercises-check grade regrade grade-clean autograder book-solutions wheel

## exercises: regenerate exercises/ from solutions/, verify every solution, rebuild the Gradescope archive
exercises: $(STAMP) $(if $(filter 0,$(shell id -u)),bubblewrap)
	$(PY) -m grading build
	$(PY) -m grading verify
	$(PY) -m grading autograder --out _build/grading/autograder.zip

# fails when exercises/ is stale (also a test: tests/test_grading.py)
## exercises-check: fail when exercises/ is stale against solutions/
exercises-check: $(STAMP)
	$(PY) -m grading check-fresh

# bubblewrap is installed when missing (as root); without it, and without GRADE_SANDBOX=none,
# the grader refuses to run.
## grade: grade a folder of notebooks (SUBMISSIONS=dir), each in a sandbox, into GRADE_OUT (scores, LMS files, feedback, report)
grade: $(STAMP) $(if $(filter 0,$(shell id -u)),bubblewrap)
	@test -n "$(SUBMISSIONS)" || { echo "usage: make grade SUBMISSIONS=folder-of-notebooks [GRADE_OUT=dir] [ROSTER=roster.csv]"; exit 2; }
	$(PY) -m grading grade "$(SUBMISSIONS)" --out "$(GRADE_OUT)" --workers $(GRADE_WORKERS) \
	    --step-timeout $(GRADE_STEP_TIMEOUT) --total-timeout $(GRADE_TOTAL_TIMEOUT) --wall-timeout $(GRADE_WALL_TIMEOUT) --attempts $(GRADE_ATTEMPTS) \
	    $(if $(EXERCISES),--exercises "$(EXERCISES)") $(if $(ROSTER),--roster "$(ROSTER)")

# one student again (a file or folder inside SUBMISSIONS), into the results already in GRADE_OUT;
# the roster and the attempts rule are those saved with that run unless ROSTER= / GRADE_ATTEMPTS= are given
## regrade: grade one student again (ONLY=dir/student) into the results already in GRADE_OUT
regrade: $(STAMP) $(if $(filter 0,$(shell id -u)),bubblewrap)
	@test -n "$(SUBMISSIONS)" -a -n "$(ONLY)" || { echo "usage: make regrade SUBMISSIONS=folder ONLY=folder/student [GRADE_OUT=dir]"; exit 2; }
	$(PY) -m grading grade "$(SUBMISSIONS)" --out "$(GRADE_OUT)" --only "$(ONLY)" --workers $(GRADE_WORKERS) \
	    --step-timeout $(GRADE_STEP_TIMEOUT) --total-timeout $(GRADE_TOTAL_TIMEOUT) --wall-timeout $(GRADE_WALL_TIMEOUT) \
	    $(if $(filter command line environment,$(origin GRADE_ATTEMPTS)),--attempts $(GRADE_ATTEMPTS)) \
	    $(if $(ROSTER),--roster "$(ROSTER)")

## grade-clean: remove the sandbox's cached copies of other Python environments (/var/tmp/grading-pyenv-<uid>)
grade-clean: $(STAMP)
	$(PY) -m grading clean-env

## wheel: the installable package (lecture_code and the student side) in _build/dist
wheel: $(STAMP)
	$(PY) -m grading wheel --out _build/dist

## autograder: the Gradescope archive _build/grading/autograder.zip for one exercise (EXERCISE=name)
autograder: $(STAMP)
	$(PY) -m grading autograder --out _build/grading/autograder.zip $(if $(EXERCISE),--exercise "$(EXERCISE)")

# The instructor site: the same book, with exercises/ replaced by the solution notebooks
# (same file names, so _toc.yml is unchanged). Hidden tests are never part of it.
## book-solutions: the instructor site (solutions shown) in _build/instructor/_build/html
book-solutions: setup
	$(PY) -m grading instructor --tree _build/instructor-src
	$(JB) build _build/instructor-src --path-output _build/instructor --builder html -W -n --keep-going
	@echo "instructor site: _build/instructor/_build/html/index.html"

ifeq ($(SOLUTIONS),1)
book: book-solutions
endif
