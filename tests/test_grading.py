"""A class graded end to end with nbgrader, the way docs/teaching.md tells a teacher to.

The course folder is a copy of classroom/ in a temporary directory; the exchange is a local
folder (on a JupyterHub it is shared by everyone). Lessons 01 and 06 are the assignments; between
them they hold every kind of exercise the course has: functions checked on hand-computed cases
(01: discounted return, epsilon-greedy, Q-learning and SARSA updates; 06: choice probabilities),
a setting graded on what it trains (01: the Taxi hyperparameters, checked on the learned
Q-table), and a data exercise on a pandas DataFrame of logs (06: repeat share); their check cells
come as a bare call (01) and as ``result = check_...`` (06).

Two students submit each assignment: ``right`` with the reference solutions, ``wrong`` with one
plausible mistake per notebook. Scores are read back from nbgrader's gradebook.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from livedqn_edu.classroom import student_notebook
from livedqn_edu.course import write_course_source
from livedqn_edu.markers import SOLUTION_BEGIN, SOLUTION_END

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
COURSE_ID = "livedqn-edu"
STUB = re.compile(r"^( *)# YOUR CODE HERE\n *raise NotImplementedError\(\)$", re.M)
# the wrong student's answer: one plausible mistake per notebook, keyed by solution grade_id
MISTAKES = {
    "01_q_learning_tables": (
        "q_learning_update",
        # bootstraps past the end of an episode: ignores `terminated`
        "target = r + gamma * np.max(q[s_next])\nreturn q[s, a] + alpha * (target - q[s, a])",
    ),
    "06_live_room_simulator": (
        "repeat_share",
        # the share over every impression instead of over the clicks
        'return float((logs["past_minutes"] > 0).mean())',
    ),
}


def nbgrader(cwd: Path, env: dict, *args: str) -> str:
    proc = subprocess.run(
        [str(BIN / "nbgrader"), *args], cwd=cwd, env=env, capture_output=True, text=True
    )
    assert proc.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{proc.stderr[-3000:]}"
    return proc.stdout + proc.stderr


def solutions(source: Path) -> dict[str, list[str]]:
    """``{grade_id: the lines between the solution markers}`` of a source notebook."""
    out = {}
    for cell in nbformat.read(source, as_version=4).cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            lines = cell.source.splitlines()
            begin = next(i for i, x in enumerate(lines) if x.strip() == SOLUTION_BEGIN)
            end = next(i for i, x in enumerate(lines) if x.strip() == SOLUTION_END)
            out[meta["grade_id"]] = lines[begin + 1 : end]
    return out


def answer(release: Path, source: Path, mistake: tuple[str, str] | None) -> None:
    """Fill the fetched notebook's stubs as a student would: right, or with ``mistake``."""
    right = solutions(source)
    nb = nbformat.read(release, as_version=4)
    filled = 0
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        match = STUB.search(cell.source) if cell.cell_type == "code" else None
        if match is None:
            continue
        if mistake and grade_id == mistake[0]:
            body = [match.group(1) + line for line in mistake[1].splitlines()]
        else:
            body = right[grade_id]
        cell.source = cell.source[: match.start()] + "\n".join(body) + cell.source[match.end() :]
        filled += 1
    assert filled == len(right), f"{release.name}: {filled} stubs for {len(right)} solutions"
    if mistake:
        assert mistake[0] in right, f"{release.name} has no exercise {mistake[0]!r} any more"
    nbformat.write(nb, release)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Run the whole nbgrader cycle once; return the course folder and the environment."""
    tmp = tmp_path_factory.mktemp("class")
    course, exchange = tmp / "classroom", tmp / "exchange"
    course.mkdir()
    exchange.mkdir()
    (course / "nbgrader_config.py").write_text(
        (ROOT / "classroom" / "nbgrader_config.py").read_text()
    )
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "NBGRADER_EXCHANGE": str(exchange),
        "JUPYTER_DATA_DIR": str(tmp / "jupyter-data"),  # nbgrader's exchange cache
        "LIVEDQN_FAST": "1",
    }
    write_course_source(ROOT / "notebooks", course, only=list(MISTAKES))
    for name in MISTAKES:
        nbgrader(course, env, "generate_assignment", name)
        nbgrader(course, env, "release_assignment", name)
    for student in ("right", "wrong"):
        home = tmp / student
        home.mkdir()
        (home / "nbgrader_config.py").write_text(
            f"c = get_config()\nc.CourseDirectory.course_id = {COURSE_ID!r}\n"
            f"c.Exchange.root = {str(exchange)!r}\n"
        )
        for name, mistake in MISTAKES.items():
            nbgrader(home, env, "fetch_assignment", name)
            answer(
                home / name / f"{name}.ipynb",
                course / "source" / name / f"{name}.ipynb",
                mistake if student == "wrong" else None,
            )
            nbgrader(home, env, "submit", name, f"--student={student}")
    for name in MISTAKES:
        nbgrader(course, env, "collect", name)
        nbgrader(course, env, "autograde", name)
        nbgrader(course, env, "generate_feedback", name)
    return course


def test_release_shows_no_solution_and_no_hidden_test(graded):
    for name in MISTAKES:
        release = graded / "release" / name / f"{name}.ipynb"
        text = release.read_text()
        for marker in ("BEGIN SOLUTION", "END SOLUTION", "HIDDEN TESTS", "must_pass"):
            assert marker not in text, (name, marker)
        code = [c for c in nbformat.reads(text, as_version=4).cells if c.cell_type == "code"]
        assert all(c.outputs == [] for c in code)
        # every solution line that the lesson does not also print elsewhere (an instruction
        # may spell a formula out) is absent from the release
        source = graded / "source" / name / f"{name}.ipynb"
        shown = json.dumps(student_notebook(nbformat.read(source, as_version=4), name).cells)
        for lines in solutions(source).values():
            secret = [
                x.strip() for x in lines if x.strip() and json.dumps(x.strip())[1:-1] not in shown
            ]
            assert secret and not any(json.dumps(x)[1:-1] in text for x in secret), (name, secret)


def test_gradebook_gives_full_marks_to_right_answers_and_docks_the_mistake(graded):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{graded / 'gradebook.db'}", course_id=COURSE_ID) as gb:
        for name, (wrong_id, _) in MISTAKES.items():
            scores = {d["student"]: d for d in gb.submission_dicts(name)}
            n = len(solutions(graded / "source" / name / f"{name}.ipynb"))
            assert scores["right"]["max_score"] == n and scores["right"]["score"] == n
            assert scores["wrong"]["score"] == n - 1, (name, scores["wrong"])
            assert not scores["wrong"]["needs_manual_grade"]
            [notebook] = gb.find_submission(name, "wrong").notebooks
            lost = {g.name for g in notebook.grades if g.auto_score < g.max_score}
            assert lost == {f"check_{wrong_id}"}, (name, lost)


def test_each_student_gets_feedback(graded):
    for name in MISTAKES:
        for student in ("right", "wrong"):
            page = graded / "feedback" / student / name / f"{name}.html"
            assert page.is_file(), page
        wrong = (graded / "feedback" / "wrong" / name / f"{name}.html").read_text()
        assert "AssertionError" in wrong  # the failed hidden check, with its failed cases
