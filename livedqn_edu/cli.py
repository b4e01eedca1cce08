"""The ``livedqn-edu`` command (also ``python -m livedqn_edu``).

Subcommands::

    livedqn-edu doctor                 check the installation, data and headless rendering
    livedqn-edu student OUT_DIR        write student versions of the notebooks (never overwrites)
    livedqn-edu exercises [--update DOC]  list every exercise and the check that grades it
    livedqn-edu classroom prepare [DIR]   apply nbgrader and slide metadata to the notebooks
    livedqn-edu classroom source       fill the nbgrader course folder classroom/source/
    livedqn-edu slides OUT_DIR         write a reveal.js deck per notebook
    livedqn-edu run-notebooks [DIR]    re-execute notebooks in full mode, record running times
    livedqn-edu train cartpole --force reproduce the shipped CartPole checkpoint
    livedqn-edu train live-room --force  reproduce the shipped recommender checkpoints
    livedqn-edu data --stats           simulator statistics beside published figures
    livedqn-edu data --regenerate      rebuild the logged data in data/ bit for bit

Each subcommand is a small function here that imports its module lazily, so ``doctor`` answers
without importing TensorFlow first.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

__all__ = ["main", "build_parser"]

_COURSE = Path(__file__).resolve().parent.parent
# in a checkout, the repository's folders; once installed without it, folders of the current one
_NOTEBOOKS = _COURSE / "notebooks" if (_COURSE / "notebooks").is_dir() else Path("notebooks")
_CLASSROOM = _COURSE / "classroom" if (_COURSE / "classroom").is_dir() else Path("classroom")


def _doctor(args: argparse.Namespace) -> int:
    from livedqn_edu.checkup import doctor

    return 0 if doctor(render=not args.no_render) else 1


def _student(args: argparse.Namespace) -> int:
    from livedqn_edu.classroom import make_student_notebooks

    written = make_student_notebooks(Path(args.source), Path(args.out_dir))
    for path in written:
        print(f"wrote {path}")
    return 0


def _classroom(args: argparse.Namespace) -> int:
    if args.action == "prepare":
        from livedqn_edu.notebook_metadata import prepare_notebooks

        changed = prepare_notebooks(Path(args.directory), check=args.check)
        for path in changed:
            print(f"{'out of date' if args.check else 'updated'}: {path}")
        if args.check and changed:
            print("run `make prepare` (livedqn-edu classroom prepare) and commit", file=sys.stderr)
            return 1
        print(f"{len(changed)} notebook(s) {'to update' if args.check else 'updated'}")
        return 0
    from livedqn_edu.course import write_course_source

    written = write_course_source(
        Path(args.notebooks), Path(args.course), only=args.only, force=args.force
    )
    for path in written:
        print(f"wrote {path}")
    print(f"{len(written)} source notebook(s) written; the others were up to date")
    return 0


def _slides(args: argparse.Namespace) -> int:
    from livedqn_edu.slides import build_decks

    for path in build_decks(Path(args.source), Path(args.out_dir), args.reveal_prefix):
        print(f"wrote {path}")
    return 0


def _run_notebooks(args: argparse.Namespace) -> int:
    from livedqn_edu.classroom import run_notebooks

    run_notebooks(Path(args.directory), fast=args.fast, readme=Path(args.readme), pattern=args.only)
    return 0


def _exercises(args: argparse.Namespace) -> int:
    from livedqn_edu.classroom import exercise_table, update_exercise_table

    if args.update:
        update_exercise_table(Path(args.update), Path(args.source))
        print(f"updated the exercise table in {args.update}")
    else:
        print(exercise_table(Path(args.source)))
    return 0


def _train_targets(problem: str, out: Path | None) -> list[Path]:
    """The files ``livedqn-edu train PROBLEM`` writes (``.keras`` and ``.json`` each)."""
    from livedqn_edu.manifest import data_dir

    folder = Path(out) if out is not None else data_dir() / "checkpoints"
    names = ["cartpole_dqn"] if problem == "cartpole" else ["live_room_dqn", "live_room_dqn_gamma0"]
    return [folder / f"{name}{ext}" for name in names for ext in (".keras", ".json")]


def _train(args: argparse.Namespace) -> int:
    existing = [p for p in _train_targets(args.problem, args.out) if p.exists()]
    if existing and not args.force:
        raise FileExistsError(
            f"refusing to replace {len(existing)} existing file(s), e.g. {existing[0]}: pass "
            "--force to retrain over them, or --out FOLDER to write elsewhere "
            "(`git checkout -- data/` restores the shipped checkpoints)"
        )
    if args.problem == "cartpole":
        from livedqn_edu.training import reproduce_cartpole_checkpoint

        reproduce_cartpole_checkpoint(seed=args.seed, out_dir=args.out)
        return 0
    from livedqn_edu.recsys.train import reproduce_live_room_checkpoint

    reproduce_live_room_checkpoint(seed=args.seed, out_dir=args.out)
    return 0


def _data(args: argparse.Namespace) -> int:
    from livedqn_edu.recsys.datacard import run_data_command

    return run_data_command(stats=args.stats, regenerate=args.regenerate)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="livedqn-edu", description="livedqn-edu course tools (see README.md)."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("doctor", help="check versions, data checksums and headless rendering")
    p.add_argument("--no-render", action="store_true", help="skip the rendering check")
    p.set_defaults(func=_doctor)

    p = sub.add_parser("student", help="write student notebooks (solutions replaced by stubs)")
    p.add_argument("out_dir", help="folder to write the student notebooks to")
    p.add_argument("--source", default=str(_NOTEBOOKS), help="solution notebooks")
    p.set_defaults(func=_student)

    p = sub.add_parser("exercises", help="list every exercise and the check that grades it")
    p.add_argument("--source", default=str(_NOTEBOOKS), help="solution notebooks")
    p.add_argument("--update", metavar="DOC", help="rewrite the table in DOC (docs/teaching.md)")
    p.set_defaults(func=_exercises)

    p = sub.add_parser("classroom", help="nbgrader metadata and the nbgrader course folder")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    q = actions.add_parser("prepare", help="apply nbgrader + slide metadata to notebooks, in place")
    q.add_argument("directory", nargs="?", default=str(_NOTEBOOKS))
    q.add_argument("--check", action="store_true", help="only list out-of-date notebooks")
    q = actions.add_parser("source", help="write classroom/source/<assignment>/ from notebooks")
    q.add_argument("--notebooks", default=str(_NOTEBOOKS), help="the lessons")
    q.add_argument("--course", default=str(_CLASSROOM), help="folder with nbgrader_config.py")
    q.add_argument(
        "--only", nargs="+", metavar="NAME", help="assignments, e.g. 01_q_learning_tables"
    )
    q.add_argument("--force", action="store_true", help="replace source notebooks that differ")
    p.set_defaults(func=_classroom)

    p = sub.add_parser("slides", help="write a reveal.js deck (HTML) per notebook")
    p.add_argument("out_dir", help="folder for the decks (e.g. slides/)")
    p.add_argument("--source", default=str(_NOTEBOOKS), help="notebooks")
    p.add_argument(
        "--reveal-prefix",
        default=None,
        help="where the decks load reveal.js from (default: a CDN), e.g. a local copy's path",
    )
    p.set_defaults(func=_slides)

    p = sub.add_parser("run-notebooks", help="re-execute notebooks in place, record run times")
    p.add_argument("directory", nargs="?", default=str(_NOTEBOOKS))
    p.add_argument("--fast", action="store_true", help="run in fast mode (LIVEDQN_FAST=1)")
    p.add_argument("--readme", default=str(_COURSE / "README.md"), help="README to update")
    p.add_argument("--only", default="[0-9][0-9]_*", help="glob of notebooks, e.g. '0[0-5]_*'")
    p.set_defaults(func=_run_notebooks)

    p = sub.add_parser("train", help="reproduce a shipped checkpoint")
    p.add_argument("problem", choices=["cartpole", "live-room"])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, default=None, help="folder (default: data/checkpoints)")
    p.add_argument("--force", action="store_true", help="replace existing checkpoint files")
    p.set_defaults(func=_train)

    p = sub.add_parser("data", help="the live-room logged data and calibration statistics")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--stats", action="store_true", help="print calibration statistics")
    g.add_argument("--regenerate", action="store_true", help="rebuild data/ files bit for bit")
    p.set_defaults(func=_data)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``livedqn-edu`` console script; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (ValueError, FileNotFoundError, FileExistsError) as exc:
        print(f"livedqn-edu {args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
