"""The ``openskies`` command line (also ``python -m simulator``).

Exit codes: 0 success, 2 bad input (a one-line cause and a hint on stderr), 1 an unexpected
failure (a bug: ``--debug`` shows the traceback), 130 interrupted by SIGINT (Ctrl-C), 143 stopped
by SIGTERM. An interrupted run leaves no results folder (and, with ``--resume``, a checkpoint
folder that the same command continues from).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
import traceback
from collections.abc import Iterator, Sequence

from simulator.cli.common import ENVIRONMENT_ERRNOS, EXIT_BAD_INPUT, EXIT_BUG, EXIT_OK
from simulator.cli.parser import build_parser
from simulator.errors import OpenSkiesError


class Interrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM arrived: unwind like Ctrl-C, then exit 128 + the signal number."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


@contextlib.contextmanager
def signals_interrupt() -> Iterator[dict[str, int]]:
    """Turn SIGINT and SIGTERM into :class:`Interrupted` (once; later ones are only noted).

    Yields a dict that records the first signal under ``"signum"``. Handlers are installed only
    in the main thread and restored on exit.
    """
    seen: dict[str, int] = {}
    if threading.current_thread() is not threading.main_thread():
        yield seen
        return

    def handler(signum: int, _frame: object) -> None:
        if "signum" in seen:  # already unwinding: let the clean-up finish
            return
        seen["signum"] = signum
        raise Interrupted(signum)

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield seen
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _interrupted_message(args: argparse.Namespace, signum: int) -> str:
    name = signal.Signals(signum).name
    checkpoint = getattr(args, "checkpoint", None)
    target = getattr(args, "target", None)
    if checkpoint is not None and checkpoint.exists():
        return (
            f"openskies: interrupted by {name}; finished replications are kept in {checkpoint}; "
            "run the same command with --resume to continue"
        )
    if target is not None:
        return (
            f"openskies: interrupted by {name}; nothing was written to {target}; run the same "
            "command again (add --resume to keep finished replications if it is interrupted)"
        )
    return f"openskies: interrupted by {name}"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on bad usage, 0 for --help
        return int(exc.code or 0)
    args.command_line = ["openskies", *(sys.argv[1:] if argv is None else argv)]
    if not getattr(args, "handler", None):
        parser.print_help(sys.stderr)
        return EXIT_BAD_INPUT
    with signals_interrupt() as seen:
        try:
            return args.handler(args)
        except KeyboardInterrupt as err:
            signum = getattr(err, "signum", None) or seen.get("signum", signal.SIGINT)
            print(_interrupted_message(args, signum), file=sys.stderr)
            return 128 + signum
        except OpenSkiesError as err:
            text = str(err)
            first, *rest = text.splitlines() or [""]
            print(f"openskies: error: {first}", file=sys.stderr)
            for line in rest:
                print(line, file=sys.stderr)
            return EXIT_BAD_INPUT
        except BrokenPipeError:
            # the reader went away (``openskies list | head -1``): stop quietly, and keep
            # Python from complaining when it flushes stdout at exit
            with contextlib.suppress(OSError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return EXIT_OK
        except OSError as err:
            if "signum" in seen:  # e.g. a worker pool broken by the same Ctrl-C
                print(_interrupted_message(args, seen["signum"]), file=sys.stderr)
                return 128 + seen["signum"]
            if err.errno not in ENVIRONMENT_ERRNOS:
                return _bug(args, err)
            where = f"{err.filename}: " if err.filename else ""
            print(
                f"openskies: error: {where}{err.strerror or err}; free some space or check the "
                "folder's permissions, then run again",
                file=sys.stderr,
            )
            return EXIT_BAD_INPUT
        except Exception as err:  # a bug: say so, and show the traceback on request
            if "signum" in seen:
                print(_interrupted_message(args, seen["signum"]), file=sys.stderr)
                return 128 + seen["signum"]
            return _bug(args, err)


def _bug(args: argparse.Namespace, err: BaseException) -> int:
    if args.debug:
        traceback.print_exc()
    else:
        print(
            f"openskies: unexpected error ({type(err).__name__}: {err}); "
            "rerun with --debug for the traceback and please report it",
            file=sys.stderr,
        )
    return EXIT_BUG
