"""A process pool that grades completions with a hard per-item timeout and survives anything.

Why not ``concurrent.futures.ProcessPoolExecutor``: it cannot kill one hung task (a sympy bigint
pow ignores math-verify's ``signal.alarm``), and a worker that dies breaks the whole executor.

How it works:

* The parent extracts every answer (cheap string work), settles what it can without math
  (no answer; identical normal forms), and dedupes the rest by (kind, gold, answer): at n=256
  the same answer repeats many times per problem, and each distinct pair is graded once.
  Every verifier speaks one protocol (passbound.verify.result.Verifier): ``extract(completion,
  problem)``, ``quick_check(problem, answer)``, ``check(problem, answer)``, dedupe by its
  ``dedupe_key(problem, answer)``, and a per-item hard timeout ``item_timeout(problem)`` when
  that is longer than the pool's. The pool has no per-kind branches.
* Worker processes run the verifier's ``check`` on their *main* thread, where signal-based
  timeouts work. They fork from multiprocessing's fork server (a clean, single-threaded process:
  no inherited locks or threads, and the caller's environment, directory and path as spawn would
  give them), which imports the verifiers once and, for math, warms math-verify's parser
  (``passbound.verify._preload``): a worker is ready in milliseconds instead of importing sympy
  for ~1 s, and so is one that replaces a killed worker. Work goes out in small chunks to amortise
  IPC, sized by how long the verifier's items took so far (about ``CHUNK_SECONDS`` of work
  each): a chunk of slow items (code that runs for seconds) would leave the other workers idle
  at the end while one works through it; a worker reports each item as it finishes, with a
  ``time.monotonic()`` stamp (system-wide on Linux), so the parent knows which item is running
  and since when.
* An item past ``timeout`` gets its worker SIGKILLed and replaced; that item is "timeout", the
  rest of its chunk goes back to the queue. A worker that dies (segfault, killed from outside)
  costs its current item an "error" the same way. Results come back in input order.

Workers never import the caller's ``__main__`` (multiprocessing's spawn and forkserver do, by
its path): the fork server preloads passbound modules only, and a worker's start data carries no
main module (:class:`_GraderPopen`). So a script without an ``if __name__ == "__main__":`` guard,
one read from standard input, a notebook or a thread may grade; what travels to a worker
(a :class:`Task`'s function) must be importable from a module other than ``__main__``. A pool
whose workers cannot start raises :class:`GradingPoolError` naming the cause, never a verdict.
"""

from __future__ import annotations

import io
import multiprocessing as mp
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from multiprocessing import context, forkserver, popen_forkserver, reduction, spawn, util
from multiprocessing.connection import Connection, wait
from multiprocessing.context import ForkServerProcess
from typing import Any

from passbound.types import Problem
from passbound.verify.reasoning import no_answer_detail
from passbound.verify.result import GradeResult

# Seconds a fresh worker may take to import its verifiers before the pool gives up on it.
STARTUP_TIMEOUT = 120.0
# About this much work per chunk: enough items to amortise a round trip (~0.1-1 ms), few enough
# that slow items spread over every worker (items of unknown cost go out one at a time).
CHUNK_SECONDS = 0.02


class GradingPoolError(RuntimeError):
    """The pool cannot grade (its workers cannot start): an infrastructure failure, never a
    verdict on a completion, so a reward must raise it rather than score 0."""


class _GraderPopen(popen_forkserver.Popen):
    """multiprocessing's forkserver launch without the caller's main module in the start data.

    The stdlib child re-imports ``__main__`` from its path or module name before running the
    target (spawn.prepare): a script without a main guard runs its top level again in every
    worker, and one read from standard input fails (no file ``<stdin>``). A grading worker needs
    only passbound (its target and verifiers pickle by passbound module names), so the main
    keys are dropped; the rest is the stdlib's ``_launch`` (CPython 3.10-3.13) unchanged."""

    def _launch(self, process_obj: Any) -> None:
        prep_data = spawn.get_preparation_data(process_obj._name)
        prep_data.pop("init_main_from_name", None)
        prep_data.pop("init_main_from_path", None)
        buf = io.BytesIO()
        context.set_spawning_popen(self)  # the function popen_forkserver imports from context
        try:
            reduction.dump(prep_data, buf)
            reduction.dump(process_obj, buf)
        finally:
            context.set_spawning_popen(None)
        # typeshed omits the stdlib's private names used here: Popen._fds (set in its __init__), util.close_fds
        self.sentinel, w = forkserver.connect_to_new_process(self._fds)  # type: ignore[attr-defined]
        _parent_w = os.dup(w)  # the child's sentinel of its parent, as the stdlib keeps it
        self.finalizer = util.Finalize(self, util.close_fds, (_parent_w, self.sentinel))  # type: ignore[attr-defined]
        with open(w, "wb", closefd=True) as f:
            f.write(buf.getbuffer())
        self.pid = forkserver.read_signed(self.sentinel)


class _GraderProcess(ForkServerProcess):
    """A fork-server process started by :class:`_GraderPopen`."""

    @staticmethod
    def _Popen(process_obj: Any) -> _GraderPopen:
        return _GraderPopen(process_obj)


@dataclass
class PoolStats:
    """Counters for the last ``grade`` call (what dedupe and the fast path saved)."""

    items: int = 0
    no_answer: int = 0
    quick: int = 0  # settled in the parent by the verifier's quick_check
    unique_jobs: int = 0  # distinct (kind, gold, answer) pairs sent to workers
    graded: int = 0  # results that came back from workers
    timeouts: int = 0  # items whose worker was killed for overrunning
    deaths: int = 0  # workers that died on their own (or were killed from outside)
    seconds: float = 0.0


def _worker_main(
    conn: Connection, warm_up: Sequence[Any], memory_mb: int | None, environ: dict[str, str] | None = None
) -> None:
    """Worker loop: receive chunks of (job, verifier, problem, answer), send one result each
    (status, detail and, for a :class:`Task`, the value it returned)."""
    if environ is not None:  # the caller's, now: the fork server holds the one it started with
        os.environ.clear()
        os.environ.update(environ)
    if memory_mb:
        import resource

        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    for verifier in warm_up:
        getattr(verifier, "warm_up", lambda: None)()
    conn.send(("ready", os.getpid()))
    while True:
        chunk = conn.recv()
        if chunk is None:
            return
        for job, verifier, problem, answer in chunk:
            value = None
            try:
                result = verifier.check(problem, answer)
                status, detail, value = result.status, result.detail, getattr(result, "value", None)
            except BaseException as exc:  # noqa: BLE001 - MemoryError, RecursionError, bugs
                status, detail = "error", f"{type(exc).__name__}: {str(exc)[:200]}"
            conn.send((job, status, detail, time.monotonic(), value))


@dataclass(frozen=True)
class _Done:
    value: Any
    status: str = "ok"
    detail: str = ""


@dataclass(frozen=True)
class Task:
    """``fn(*args)`` as a pool job (see :meth:`GradingPool.run_tasks`); ``fn`` must be importable
    by name (a module-level function), as it travels to the workers."""

    fn: Callable[..., Any]

    def check(self, args: tuple[Any, ...], _: Any) -> _Done:
        return _Done(self.fn(*args))


@dataclass
class _Worker:
    process: Any
    conn: Connection
    ready: bool = False
    chunk: deque[int] = field(default_factory=deque)  # jobs sent, not yet reported; [0] runs
    item_started: float = 0.0
    waited: tuple[float, float] = (0.0, 0.0)  # (when, its run-queue wait then): see _charged
    spawned: float = field(default_factory=time.monotonic)


# An item's time is its wall time less the time its worker waited for a CPU while ready to run
# (/proc/<pid>/schedstat): a loaded machine does not turn a slow item into a timeout, while
# sleeping or blocking still counts. Past WALL_FACTOR x its limit in plain wall time it ends anyway,
# so one crafted row costs a batch at most that (the verdict depends on load only beyond it).
WALL_FACTOR = 2.0
_WAIT_STALE = 0.05  # the wait is re-read at most this often (a read costs ~10 us per result)


def _queue_wait(pid: int) -> float:
    """Seconds ``pid``'s main thread has spent runnable but waiting for a CPU (0 where unknown)."""
    try:
        with open(f"/proc/{pid}/schedstat", "rb") as f:
            return int(f.read().split()[1]) / 1e9
    except (OSError, ValueError, IndexError):
        return 0.0


def _charged(w: _Worker, now: float, limit: float) -> float:
    """The current item's time against ``limit`` (see WALL_FACTOR); its wait is counted from at
    most _WAIT_STALE before the item started. Reads /proc only once the wall time is past it."""
    wall = now - w.item_started
    if wall <= limit or wall > WALL_FACTOR * limit:
        return wall
    return wall - max(0.0, _queue_wait(w.process.pid) - w.waited[1])


def _next_check(w: _Worker, limit: float, now: float) -> float:
    """When the current item could next be over ``limit``."""
    if now - w.item_started <= limit:
        return w.item_started + limit
    return min(w.item_started + WALL_FACTOR * limit, now + max(0.01, limit - _charged(w, now, limit)))


class GradingPool:
    """Grades batches of (problem, completion) pairs across worker processes.

    Reuse one pool across many batches (workers start once, ~1 s each). ``timeout`` is the hard
    wall-clock limit per distinct item; ``workers=0`` uses every core this process may run on;
    ``verifiers`` overrides the verifier used for a problem kind (default: ``get_verifier``);
    ``memory_mb`` caps each worker's address space so a memory bomb is a MemoryError, not an OOM.
    """

    def __init__(
        self,
        *,
        timeout: float = 10.0,
        workers: int = 0,
        verifiers: Mapping[str, Any] | None = None,
        chunk_size: int = 16,
        memory_mb: int | None = 4096,
    ) -> None:
        if timeout <= 0:
            raise ValueError("timeout must be > 0 seconds")
        self.timeout = float(timeout)
        self.n_workers = workers or len(os.sched_getaffinity(0)) or os.cpu_count() or 1
        self.chunk_size = max(1, chunk_size)
        self.memory_mb = memory_mb
        self._verifiers: dict[str, Any] = dict(verifiers or {})
        self._ctx = mp.get_context("forkserver")
        self._workers: list[_Worker] = []
        self._start_failures = 0
        self._item_seconds: dict[int, float] = {}  # id(verifier) -> recent seconds per item
        self.stats = PoolStats()
        # Training frameworks call rewards from worker threads and event loops: calls from several
        # threads take turns on the workers (the pipes carry one batch at a time). Time is enforced
        # by the pool's kill, never by the caller's signals, so any thread may call.
        self._lock = threading.RLock()

    # -- lifecycle -------------------------------------------------------------------------

    def __enter__(self) -> GradingPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop all workers (politely, then SIGKILL)."""
        with self._lock:
            self._close()

    def _close(self) -> None:
        for w in self._workers:
            try:
                w.conn.send(None)
            except (OSError, ValueError):
                pass
        deadline = time.monotonic() + 2.0
        for w in self._workers:
            w.process.join(max(0.0, deadline - time.monotonic()))
            if w.process.is_alive():
                w.process.kill()
                w.process.join()
            w.conn.close()
        self._workers = []

    def start(self, kinds: Sequence[str] = ("math",)) -> None:
        """Start every worker now and wait until they are ready (otherwise the first ``grade``
        starts them). ``kinds``: the verifiers the workers should import up front."""
        with self._lock:
            for kind in kinds:
                self.verifier(kind)
            while len(self._workers) < self.n_workers:
                self._spawn()
            self._run([], lambda job, status, detail, value=None: None)

    def worker_pids(self) -> list[int]:
        return [w.process.pid for w in self._workers]

    def verifier(self, kind: str) -> Any:
        if kind not in self._verifiers:
            from passbound.registry import verifiers  # filled when the passbound.verify package loads

            self._verifiers[kind] = verifiers.create(kind)
        return self._verifiers[kind]

    def _spawn(self) -> _Worker:
        if not self._workers:
            _refuse_main(self._verifiers.values())
            _set_preload(self._verifiers.values())
        parent_conn, child_conn = self._ctx.Pipe(duplex=True)
        process = _GraderProcess(
            target=_worker_main,
            args=(child_conn, list(self._verifiers.values()), self.memory_mb, dict(os.environ)),
            daemon=True,
            name="passbound-grader",
        )
        try:
            process.start()
        except Exception as exc:  # the fork server could not start (or died): no worker at all
            raise GradingPoolError(
                f"grading workers cannot start: multiprocessing's fork server (python: {spawn.get_executable()}) "
                f"failed: {type(exc).__name__}: {exc}"
            ) from exc
        finally:
            child_conn.close()
        worker = _Worker(process, parent_conn)
        self._workers.append(worker)
        return worker

    def _retire(self, w: _Worker, kill: bool) -> None:
        if kill and w.process.is_alive():
            w.process.kill()
        w.process.join(5.0)
        w.conn.close()
        self._workers.remove(w)

    # -- grading ---------------------------------------------------------------------------

    def grade(
        self,
        problems: Sequence[Problem],
        completions: Sequence[str],
        on_progress: Callable[[int], None] | None = None,
    ) -> list[GradeResult]:
        """Grade ``completions[i]`` against ``problems[i]``; results in input order.

        ``on_progress(n)`` is called with the number of input items just finished (an
        increment, like ``tqdm.update``).
        """
        if len(problems) != len(completions):
            raise ValueError(f"{len(problems)} problems but {len(completions)} completions")
        with self._lock:
            return self._grade(problems, completions, on_progress)

    def grade_extracted(
        self,
        problems: Sequence[Problem],
        answers: Sequence[str | None],
        on_progress: Callable[[int], None] | None = None,
    ) -> list[GradeResult]:
        """Like :meth:`grade` for answers already taken out by each kind's ``extract`` (None: no
        answer), e.g. by workers that read and extracted their own rows (``passbound grade``)."""
        if len(problems) != len(answers):
            raise ValueError(f"{len(problems)} problems but {len(answers)} answers")
        with self._lock:
            return self._grade_answers(problems, answers, on_progress)

    def _grade(
        self, problems: Sequence[Problem], completions: Sequence[str], on_progress: Callable[[int], None] | None
    ) -> list[GradeResult]:
        answers = [self.verifier(p.kind).extract(c, p) for p, c in zip(problems, completions)]
        why = {
            i: no_answer_detail(self.verifier(problems[i].kind), completions[i])
            for i, answer in enumerate(answers)
            if answer is None
        }
        return self._grade_answers(problems, answers, on_progress, why)

    def _grade_answers(
        self,
        problems: Sequence[Problem],
        answers: Sequence[str | None],
        on_progress: Callable[[int], None] | None,
        why: dict[int, str] | None = None,
    ) -> list[GradeResult]:
        """``why``: the detail of a row without an answer (default "no answer found")."""
        started = time.monotonic()
        self.stats = stats = PoolStats(items=len(problems))
        results: list[GradeResult | None] = [None] * len(problems)
        jobs: list[tuple[Any, Problem, str]] = []  # (verifier, problem, answer)
        timeouts: list[float] = []  # hard limit per job
        members: list[list[int]] = []  # input indices per job
        seen: dict[tuple[Any, ...], GradeResult | int] = {}
        for i, (problem, answer) in enumerate(zip(problems, answers)):
            verifier = self.verifier(problem.kind)
            if answer is None:
                results[i] = GradeResult("no_answer", None, (why or {}).get(i, "no answer found"))
                stats.no_answer += 1
                continue
            key = (problem.kind, *verifier.dedupe_key(problem, answer))
            hit = seen.get(key)
            if hit is None:
                hit = verifier.quick_check(problem, answer)
                if hit is None:
                    hit = len(jobs)
                    jobs.append((verifier, problem, answer))
                    timeouts.append(max(self.timeout, verifier.item_timeout(problem) or 0.0))
                    members.append([])
                seen[key] = hit
            if isinstance(hit, int):
                members[hit].append(i)
            else:
                results[i] = hit
                stats.quick += 1
        stats.unique_jobs = len(jobs)
        if on_progress and len(problems) - sum(map(len, members)):
            on_progress(len(problems) - sum(map(len, members)))

        def finish(job: int, status: str, detail: str, value: Any = None) -> None:
            result = GradeResult(status, jobs[job][2], detail)
            for i in members[job]:
                results[i] = result
            if on_progress:
                on_progress(len(members[job]))

        if jobs:
            self._run(jobs, finish, timeouts)
        stats.seconds = time.monotonic() - started
        assert all(r is not None for r in results)
        return results  # type: ignore[return-value]

    def add_verifiers(self, verifiers: Mapping[str, Any]) -> None:
        """Use these verifiers for their kinds from now on (e.g. once a file's kinds are known)."""
        with self._lock:
            self._verifiers.update(verifiers)

    def run_tasks(self, task: Task, args: Sequence[tuple[Any, ...]]) -> list[tuple[str, Any]]:
        """Run ``task.fn(*a)`` for each ``a`` in ``args`` on the workers, each under the hard
        timeout: per call ("ok", value), ("timeout", detail) or ("error", detail), in order."""
        out: list[tuple[str, Any]] = [("error", "not run")] * len(args)

        def finish(job: int, status: str, detail: str, value: Any = None) -> None:
            out[job] = (status, value if status == "ok" else detail)

        _refuse_main([task.fn])
        with self._lock:
            if args:
                self._run([(task, a, "") for a in args], finish)
        return out

    def _run(
        self, jobs: list[tuple[Any, Any, str]], finish: Callable[..., None], timeouts: Sequence[float] | None = None
    ) -> None:
        """Drive the workers until every job has a result (``timeouts``: hard limit per job)."""
        try:
            self._drive(jobs, finish, timeouts or [self.timeout] * len(jobs))
        except BaseException:
            # Ctrl-C or a failing on_progress: busy workers would later report into the next batch.
            for w in list(self._workers):
                if w.chunk:
                    self._retire(w, kill=True)
            raise

    def _drive(self, jobs: list[tuple[Any, Any, str]], finish: Callable[..., None], timeouts: Sequence[float]) -> None:
        pending = deque(range(len(jobs)))
        warm: set[Any] = set()  # problems with a finished job (their per-problem work is done)
        stats = self.stats
        want = min(self.n_workers, len(jobs))
        while len(self._workers) < want:
            self._spawn()
        while pending or any(w.chunk for w in self._workers) or not all(w.ready for w in self._workers):
            for w in self._workers:  # hand out work
                if w.ready and not w.chunk and pending:
                    size = max(
                        1,
                        min(
                            self.chunk_size,
                            len(pending) // (2 * len(self._workers)),
                            self._chunk_by_time(jobs[pending[0]][0]),
                        ),
                    )
                    ids = self._next_chunk(pending, jobs, warm, size)
                    w.chunk.extend(ids)
                    w.item_started = time.monotonic()
                    w.waited = (w.item_started, _queue_wait(w.process.pid))
                    w.conn.send([(j, *jobs[j]) for j in ids])
            now = time.monotonic()
            deadlines = [_next_check(w, timeouts[w.chunk[0]], now) for w in self._workers if w.chunk]
            deadlines += [w.spawned + STARTUP_TIMEOUT for w in self._workers if not w.ready]
            wait_for = max(0.0, min(deadlines) - now) if deadlines else None
            waitables: list[Any] = [w.conn for w in self._workers] + [w.process.sentinel for w in self._workers]
            wait(waitables, timeout=wait_for)

            for w in list(self._workers):
                dead = False
                try:
                    while w.conn.poll():
                        msg = w.conn.recv()
                        if msg[0] == "ready":
                            w.ready = True
                            self._start_failures = 0
                            continue
                        job, status, detail, t_done, value = msg
                        assert w.chunk and w.chunk[0] == job, "worker reported out of order"
                        w.chunk.popleft()
                        self._note_seconds(jobs[job][0], t_done - w.item_started)
                        warm.add(_problem_key(jobs[job][1]))
                        w.item_started = t_done
                        if t_done - w.waited[0] > _WAIT_STALE:
                            w.waited = (t_done, _queue_wait(w.process.pid))
                        stats.graded += 1
                        finish(job, status, detail, value)
                except (EOFError, OSError):
                    dead = True
                dead = dead or not w.process.is_alive()
                now = time.monotonic()
                if dead:
                    w.process.join(5.0)
                    code = w.process.exitcode
                    if w.chunk:
                        stats.deaths += 1
                        finish(w.chunk.popleft(), "error", f"grading worker died (exit code {code})")
                    elif not w.ready:
                        self._start_failures += 1
                        if self._start_failures >= 3:
                            raise GradingPoolError(f"grading workers keep failing to start (exit code {code})")
                elif w.chunk and _charged(w, now, timeouts[w.chunk[0]]) > timeouts[w.chunk[0]]:
                    stats.timeouts += 1
                    job = w.chunk.popleft()
                    finish(job, "timeout", f"timeout after {timeouts[job]:g}s (worker killed)")
                elif not w.ready and now - w.spawned > STARTUP_TIMEOUT:
                    raise GradingPoolError(f"a grading worker did not start within {STARTUP_TIMEOUT:.0f}s")
                else:
                    continue
                pending.extendleft(reversed(w.chunk))
                w.chunk.clear()
                self._retire(w, kill=True)
                if pending and len(self._workers) < want:
                    self._spawn()

    def _next_chunk(
        self, pending: deque[int], jobs: list[tuple[Any, Any, str]], warm: set[Any], size: int
    ) -> list[int]:
        """The next ``size`` jobs in order, unless the first is of a problem that another worker
        is starting on: then the first nearby job of another problem, alone. A problem's first
        job does its per-problem work (code: the reference run, seconds for HumanEval/15); a
        second worker starting the same problem would repeat it instead of doing other work."""
        starting = {_problem_key(jobs[j][1]) for w in self._workers for j in w.chunk} - warm
        if starting and _problem_key(jobs[pending[0]][1]) in starting:
            for k in range(1, min(len(pending), _LOOKAHEAD)):
                key = _problem_key(jobs[pending[k]][1])
                if key in warm or key not in starting:
                    job = pending[k]
                    del pending[k]
                    return [job]
        return [pending.popleft() for _ in range(min(size, len(pending)))]

    def _chunk_by_time(self, verifier: Any) -> int:
        seconds = self._item_seconds.get(id(verifier))
        return 1 if seconds is None else int(CHUNK_SECONDS / max(seconds, 1e-6))

    def _note_seconds(self, verifier: Any, seconds: float) -> None:
        """A decaying maximum of one verifier's item time: one slow item keeps chunks small for
        a while (costs vary a lot between problems; a chunk is only as quick as its slowest)."""
        old = self._item_seconds.get(id(verifier))
        self._item_seconds[id(verifier)] = seconds if old is None else max(seconds, 0.9 * old)


def _refuse_main(objects: Any) -> None:
    """Raise GradingPoolError for anything defined in ``__main__``: workers never import the
    caller's main module, so it could not reach them (they would fail to start, less clearly)."""
    for obj in objects:
        owner = obj if callable(obj) and hasattr(obj, "__qualname__") else type(obj)
        if getattr(owner, "__module__", None) in ("__main__", "__mp_main__"):
            raise GradingPoolError(
                f"{owner.__qualname__} is defined in __main__, which grading workers never import: "
                "define it in an importable module and import it from there"
            )


def _set_preload(verifiers: Any) -> None:
    """What the fork server imports before forking workers (only its first start counts)."""
    math = any(getattr(v, "name", None) == "math" for v in verifiers)
    mp.get_context("forkserver").set_forkserver_preload(["passbound.verify._preload"] if math else ["passbound.verify"])


_LOOKAHEAD = 256  # pending jobs searched for one of a problem no other worker is starting on


def _problem_key(problem: Any) -> tuple[Any, Any]:
    return (getattr(problem, "benchmark", None), getattr(problem, "id", None))


def grade_many(
    problems: Sequence[Problem],
    completions: Sequence[str],
    *,
    timeout: float = 10.0,
    workers: int = 0,
    on_progress: Callable[[int], None] | None = None,
) -> list[GradeResult]:
    """One-shot :class:`GradingPool` (start workers, grade, stop them)."""
    with GradingPool(timeout=timeout, workers=workers) as pool:
        return pool.grade(problems, completions, on_progress=on_progress)
