"""Command line: ``python -m grading <command>`` (the Makefile targets call these).

    build        generate exercises/ from solutions/ (student notebooks + public checks)
    check-fresh  exit 1 when exercises/ is out of date with solutions/
    verify       every reference solution passes its public checks and gets full marks
    grade DIR    grade a folder of submissions into scores.csv, feedback/, LMS files, ... (--only PATH:
                 regrade one student's file or folder into the existing output)
    instructor OUT   write the instructor notebooks (solutions shown) into OUT
                 (--tree: a whole build root for the instructor site)
    autograder   build the Gradescope autograder archive
    wheel        build the installable package (lecture_code, with the student side) into a folder
    gradescope   (inside Gradescope) grade /autograder/submission into results.json
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path


def _verify() -> int:
    import nbformat

    from grading.judge import grade_notebook, reference_values, solution_cells
    from grading.source import load_all, render, solution_notebook, student_notebook
    from lecture_code.student import Checker

    failed = 0
    for ex in load_all():
        bad = 0
        # 1. the public checks pass on the reference solution (run here, trusted code)
        import os

        ns: dict = {"__name__": "__main__"}
        tests = Path(tempfile.mkdtemp()) / f"{ex.name}.py"
        tests.write_text(render(ex)[f"lecture_code/student/checks/{ex.name}.py"], encoding="utf-8")
        os.environ["GRADING_RUN"] = "1"  # the notebook's own check() lines become no-ops
        try:
            for src in solution_cells(ex):
                if src.strip():
                    exec(compile(src, ex.name, "exec"), ns)  # noqa: S102 - the reference solution
        finally:
            os.environ.pop("GRADING_RUN", None)
        checker = Checker(ex.name, tests)
        for q in ex.questions:
            ok, msg = checker._run(q, ns)
            if not ok:
                print(f"{ex.name} {q}: public check fails on the solution: {msg}")
                bad += 1
        # 2. the solution gets full marks from the grader; the student notebook gets zero
        refs = {ex.name: reference_values(ex)}
        with tempfile.TemporaryDirectory() as tmp:
            for kind, nb in (("solution", solution_notebook(ex)), ("student", student_notebook(ex))):
                p = Path(tmp) / f"{ex.name}.ipynb"
                p.write_text(nbformat.writes(nb), encoding="utf-8")
                r = grade_notebook(p, kind, {ex.name: ex}, refs)
                full = sum(q.points for q in ex.hidden)
                want = full if kind == "solution" else 0.0
                if abs(r.total - want) > 1e-9:
                    bad += 1
                    print(f"{ex.name}: the {kind} notebook scores {r.total}/{full}, expected {want}")
                    for q, s in r.scores.items():
                        print(f"   {q}: {s.points}/{s.max_points} {s.message}")
                    for n in r.notes:
                        print(f"   note: {n}")
        print(f"{ex.name}: {'ok' if not bad else 'FAILED'} ({len(ex.questions)} questions)")
        shutil.rmtree(tests.parent, ignore_errors=True)
        failed += bad
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m grading", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("build")
    sub.add_parser("check-fresh")
    sub.add_parser("verify")
    g = sub.add_parser("grade")
    g.add_argument("submissions", type=Path)
    g.add_argument("--out", type=Path, default=None,
                   help="output folder (default _build/grading/out; it holds students' names)")
    g.add_argument("--roster", type=Path, default=None,
                   help="CSV with columns id,name,email,lms_id[,section] mapping submissions to students "
                        "(with --only: default the roster saved with the run regraded into)")
    g.add_argument("--only", type=Path, default=None,
                   help="regrade one student (a file or folder inside SUBMISSIONS) into the existing output")
    g.add_argument("--workers", type=int, default=2)
    g.add_argument("--step-timeout", type=float, default=10.0)
    g.add_argument("--total-timeout", type=float, default=60.0)
    g.add_argument("--exercises", default=None,
                   help="the assigned exercises, comma-separated (default: the one exercise of the notebooks "
                        "found; with --only, those of the run regraded into)")
    g.add_argument("--wall-timeout", type=float, default=180.0,
                   help="wall-clock seconds one submission may take in all, sleeping included")
    g.add_argument("--sandbox", choices=["bwrap", "user", "none"], default=None,
                   help="where submissions run (default: $GRADE_SANDBOX, else bwrap); see docs/grading.md")
    g.add_argument("--attempts", choices=["latest", "best"], default=None,
                   help="which attempt counts when a student hands in an exercise more than once "
                        "(default: latest; with --only, the rule of the run regraded into)")
    i = sub.add_parser("instructor")
    i.add_argument("out", type=Path)
    i.add_argument("--tree", action="store_true",
                   help="write a whole instructor build root (repository symlinks + solutions)")
    a = sub.add_parser("autograder")
    a.add_argument("--out", type=Path, default=Path("_build/grading/autograder.zip"))
    a.add_argument("--exercise", default=None,
                   help="the one exercise this Gradescope assignment grades (other notebooks of an upload "
                        "are listed, not graded); default: the one exercise uploaded, several refused")
    a.add_argument("--hidden-visibility", default="after_published",
                   choices=["hidden", "after_due_date", "after_published", "visible"],
                   help="when students see the hidden cases' tests on Gradescope")
    w = sub.add_parser("wheel")
    w.add_argument("--out", type=Path, default=Path("_build/dist"))
    sub.add_parser("clean-env", help="remove the sandbox's cached copies of other Python environments")
    gs = sub.add_parser("gradescope")
    gs.add_argument("--root", type=Path, default=Path("/autograder"))
    args = ap.parse_args(argv)

    if args.cmd == "build":
        from grading.source import build

        for p in build():
            print(f"wrote {p}")
        return 0
    if args.cmd == "check-fresh":
        from grading.source import ROOT, render_all

        stale = [rel for rel, text in render_all().items()
                 if not (ROOT / rel).is_file() or (ROOT / rel).read_text(encoding="utf-8") != text]
        if stale:
            print("exercises/ or the shipped public checks are out of date with solutions/"
                  " (run `make exercises`): " + ", ".join(stale))
            return 1
        return 0
    if args.cmd == "verify":
        return _verify()
    if args.cmd == "grade":
        import logging
        import time

        started = time.monotonic()
        # each phase is printed as it starts: the first run of a machine can take minutes before a
        # notebook is graded (the grader's imports, building the sandbox's environment)
        print("make grade: loading the grader...", file=sys.stderr, flush=True)
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("make grade: %(message)s"))
        log = logging.getLogger("grading")
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False
        from grading.grade import DEFAULT_OUT, UNSAFE_WARNING, grade_folder
        from grading.limits import Limits
        from grading.roster import RosterError
        from grading.runner import default_sandbox
        from grading.sandbox import SandboxUnavailable

        for name in ("workers", "step_timeout", "total_timeout", "wall_timeout"):
            if getattr(args, name) <= 0:
                ap.error(f"--{name.replace('_', '-')} must be > 0, got {getattr(args, name)}")
        if not args.submissions.is_dir():
            ap.error(f"SUBMISSIONS must be a folder of notebooks, got {args.submissions}")
        try:
            log.info("preparing the sandbox...")
            sb = default_sandbox(args.sandbox)
        except (SandboxUnavailable, ValueError) as exc:
            print(f"make grade: refusing to grade without a sandbox: {exc}", file=sys.stderr)
            return 2
        if sb.mode == "none":
            banner = "!" * 78
            print(f"{banner}\n{UNSAFE_WARNING}\n{banner}", file=sys.stderr, flush=True)
        limits = Limits(step_timeout=args.step_timeout, total_timeout=args.total_timeout,
                        wall_seconds=args.wall_timeout)
        out = args.out if args.out is not None else DEFAULT_OUT
        try:
            res = grade_folder(args.submissions, out, workers=args.workers, limits=limits, sandbox=sb,
                               attempts=args.attempts, roster=args.roster, only=args.only,
                               started=started,
                               assigned=[e.strip() for e in args.exercises.split(",") if e.strip()]
                               if args.exercises else None)
        except (RosterError, ValueError) as exc:
            print(f"make grade: {exc}", file=sys.stderr)
            return 2
        n = sum(len(v) for v in res.values())
        if args.only is not None:
            print(f"regraded {args.only} into {out}/ in {time.monotonic() - started:.0f} s "
                  "(everyone else's results kept)")
            return 0
        print(f"graded {n} notebook{'s' * (n != 1)} of {len(res)} student{'s' * (len(res) != 1)} in "
              f"{time.monotonic() - started:.0f} s of wall time (sandbox: {sb.mode}, "
              f"{res.rule} attempt counts) -> {out}/: scores.csv, grades-long.csv, canvas.csv, moodle.csv, "
              f"feedback/, grading-report.txt, similarity.html")
        if sb.mode == "none":
            print(UNSAFE_WARNING, file=sys.stderr)
        return 0
    if args.cmd == "instructor":
        from grading.source import build_instructor, build_instructor_tree

        if args.tree:
            print(f"wrote {build_instructor_tree(args.out)}")
            return 0
        for p in build_instructor(args.out):
            print(f"wrote {p}")
        return 0
    if args.cmd == "clean-env":
        from grading.environment import cache_root, clean

        removed = clean()
        print(f"removed {len(removed)} cached environment cop{'y' if len(removed) == 1 else 'ies'} from {cache_root()}")
        return 0
    if args.cmd == "autograder":
        from grading.gradescope import build_zip

        print(f"wrote {build_zip(args.out, args.hidden_visibility, args.exercise)}")
        return 0
    if args.cmd == "wheel":
        from grading.package import build_wheel

        print(f"wrote {build_wheel(args.out)}")
        return 0
    if args.cmd == "gradescope":
        from grading.gradescope import run_in_gradescope

        return run_in_gradescope(args.root)
    return 2


if __name__ == "__main__":
    sys.exit(main())
