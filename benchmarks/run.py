"""Run the benchmarks side by side in one process and write a Markdown table.

    python benchmarks/run.py            # the full sizes (a few minutes)
    python benchmarks/run.py --quick    # small sizes: checks that everything runs

Every time is the median of at least five runs after one warm-up run, with Python's cycle
collector left on (as a user has it). Ratios compare programs run in the same process, so a
busy machine slows them alike. The table goes to standard output and to benchmarks/results.md.

W6 trains microgpt's GPT with the same script over two Values (a peer written in microgpt's
design and autograd_lite's), and as the idiomatic ``autograd_lite.nn.GPT`` on the engine and
compiled, each contender in a process of its own (benchmarks/solo.py says why). W7 adds what
compiling costs (benchmarks/compiled_gpt.py) and 1,000 compiled steps end to end.
"""

from __future__ import annotations

import argparse
import gc
import platform
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autograd_lite import topological_order
from autograd_lite.viz import draw_graph, render
from benchmarks import compiled_gpt, microgpt, solo, workloads

RESULTS = Path(__file__).resolve().parent / "results.md"


def median_time(run: Callable[[], Any], repeats: int) -> float:
    run()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def alternating_medians(runs: dict[str, Callable[[], Any]], repeats: int) -> dict[str, float]:
    """The median time of each run, the runs taken in turn (one warm-up each, then ``repeats``
    rounds of one run of each), so that a machine that slows down or speeds up over the
    measurement affects them alike and their ratios stay fair."""
    times: dict[str, list[float]] = {name: [] for name in runs}
    for run in runs.values():
        run()  # warm-up
    for _ in range(repeats):
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(ts) for name, ts in times.items()}


def seconds(t: float) -> str:
    return f"{t * 1e3:.1f} ms" if t < 1 else f"{t:.2f} s"


def traced(build: Callable[[], Any]) -> tuple[Any, int]:
    """What ``build`` returns, and the bytes it holds on to (traced by tracemalloc)."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    result = build()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return result, after - before


def micrograd_available() -> bool:
    try:
        import micrograd  # noqa: F401
    except ImportError:
        return False
    return True


def w1(repeats: int, rows: list[list[str]], has_micrograd: bool) -> dict[str, float]:
    ours = median_time(workloads.w1_autograd_lite(), repeats)
    trained = workloads.TRAINED_STEPS
    medians = alternating_medians(
        {
            "floor": workloads.w1_floats(),
            "compiled": workloads.w1_compiled(),
            "trained floor": workloads.w1_floats(trained),
            "trained compiled": workloads.w1_compiled(trained),
        },
        repeats,
    )
    floor, trained_floor = medians["floor"], medians["trained floor"]
    compiled = medians["compiled"] / workloads.COMPILED_STEPS
    trained_compiled = medians["trained compiled"] / workloads.COMPILED_STEPS
    found = {
        "w1_ours": ours,
        "w1_floor": floor,
        "w1_compiled": compiled,
        "w1_trained_floor": trained_floor,
        "w1_trained_compiled": trained_compiled,
    }
    rows.append(
        [
            "W1 moons step, MLP(2, [16, 16, 1]), 100 samples",
            "autograd_lite",
            seconds(ours),
            "hinge + L2, full batch",
        ]
    )
    if has_micrograd:
        theirs = median_time(workloads.w1_micrograd(), repeats)
        found["w1_micrograd"] = theirs
        rows.append(
            [
                "",
                "micrograd 0.1.0",
                seconds(theirs),
                f"{theirs / ours:.1f}× slower than autograd_lite",
            ]
        )
    rows.append(
        [
            "",
            "plain floats, by hand",
            seconds(floor),
            f"autograd_lite is {ours / floor:.1f}× this floor",
        ]
    )
    rows.append(
        [
            "",
            "autograd_lite, train(compile=True)",
            seconds(compiled),
            f"compiled / floor = {compiled / floor:.2f}; {ours / compiled:.1f}× faster than "
            f"the engine (per step, runs of {workloads.COMPILED_STEPS} steps)",
        ]
    )
    rows.append(
        [
            "",
            f"plain floats, trained model ({trained} steps first)",
            seconds(trained_floor),
            "most hinge margins met: those samples skip their backward pass",
        ]
    )
    rows.append(
        [
            "",
            f"autograd_lite, train(compile=True), trained model ({trained} steps first)",
            seconds(trained_compiled),
            f"compiled / floor = {trained_compiled / trained_floor:.2f} (per step, runs of "
            f"{workloads.COMPILED_STEPS} steps)",
        ]
    )
    return found


def w2(sizes: list[int], repeats: int, rows: list[list[str]], has_micrograd: bool) -> None:
    for n in sizes:
        run = workloads.w2_autograd_lite(n // 4)  # four values per step: two constants, two ops
        t = median_time(run, repeats)
        rows.append(
            [
                f"W2 deep chain, {n:,} nodes, forward + backward",
                "autograd_lite",
                seconds(t),
                f"{t / n * 1e9:.0f} ns/node",
            ]
        )
        if has_micrograd:
            try:
                workloads.w2_micrograd(n // 4)()
                note = "ran"
            except RecursionError:
                note = f"RecursionError: its recursive topological sort stops near depth {sys.getrecursionlimit()}"
            rows.append(["", "micrograd 0.1.0", "—", note])
    # Memory is given back: the largest chain, traced while alive and again after `del`
    # (by reference counting alone: the cycle collector is not called).
    n = sizes[-1]
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    chain = _chain(n // 4)
    held = tracemalloc.get_traced_memory()[0] - before
    del chain
    left = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    rows.append(
        [
            f"W2 memory of the {n:,}-node chain",
            "autograd_lite",
            f"{held / 1e6:.1f} MB while alive",
            f"{max(left, 0)} bytes still held after del",
        ]
    )


def _chain(steps: int) -> Any:
    from autograd_lite import Value

    y = Value(0.5)
    for _ in range(steps):
        y = y * 0.999 + 0.001
    y.backward()
    return y


def w3(n: int, repeats: int, rows: list[list[str]], has_micrograd: bool) -> dict[str, float]:
    found = {}
    engines: list[tuple[str, Callable[[int], Any]]] = [
        ("autograd_lite", workloads.w3_autograd_lite)
    ]
    if has_micrograd:
        engines.append(("micrograd 0.1.0", workloads.w3_micrograd))
    for name, make in engines:
        build, backward = make(n)
        total, held = traced(build)
        nodes = len(topological_order(total)) if name == "autograd_lite" else 4 * n - 1
        forward = median_time(build, repeats)
        both = median_time(lambda build=build, backward=backward: backward(build()), repeats)
        per_node = held / nodes
        found[name] = per_node
        rows.append(
            [
                f"W3 wide: sum of {n:,} products" if name == "autograd_lite" else "",
                name,
                f"{seconds(forward)} forward, {seconds(both)} with backward",
                f"{nodes:,} nodes, {both / nodes * 1e9:.0f} ns/node, {per_node:.0f} bytes/node",
            ]
        )
        del total
    if has_micrograd:
        rows.append(
            [
                "",
                "memory ratio",
                "",
                f"autograd_lite uses {found['autograd_lite'] / found['micrograd 0.1.0']:.2f}× micrograd's bytes per node",
            ]
        )
    return found


def w4(repeats: int, rows: list[list[str]], has_micrograd: bool) -> None:
    ours = median_time(workloads.w4_autograd_lite(), repeats)
    compiled = median_time(workloads.w4_compiled(), repeats)
    rows.append(
        [
            "W4 digits 0/1 epoch, MLP(64, [16, 1]), 360 images",
            "autograd_lite",
            seconds(ours),
            "mini-batches of 30",
        ]
    )
    rows.append(
        [
            "",
            "autograd_lite, train(compile=True)",
            seconds(compiled),
            f"{ours / compiled:.1f}× faster than the engine",
        ]
    )
    if has_micrograd:
        theirs = median_time(workloads.w4_micrograd(), repeats)
        rows.append(
            [
                "",
                "micrograd 0.1.0",
                seconds(theirs),
                f"{theirs / ours:.1f}× slower (hinge loss: it has no exp/log)",
            ]
        )


def w5(sizes: list[int], repeats: int, rows: list[list[str]], folder: Path) -> None:
    for n in sizes:
        graph_root = workloads.w5_graph(n)
        nodes = len(topological_order(graph_root))

        def draw(root: Any = graph_root) -> Any:  # value and op nodes together exceed 1,500
            return draw_graph(root, edge_derivatives=True, max_nodes=5_000)

        drawing = median_time(draw, repeats)
        graph = draw()
        try:
            layout = median_time(lambda graph=graph: render(graph, folder / "w5.svg"), repeats)
            note = f"dot -Tsvg {seconds(layout)}"
        except RuntimeError as error:  # GraphvizNotFoundError
            note = f"not laid out: {str(error).splitlines()[0]}"
        rows.append(
            [
                f"W5 draw_graph + dot, {nodes:,} values",
                "autograd_lite",
                f"draw_graph {seconds(drawing)}",
                note,
            ]
        )


def w6(steps: int, repeats: int, rows: list[list[str]], names: Path | None) -> solo.Solo | None:
    """microgpt's training script over the peer's Value and over ours, and nn.GPT on the engine
    and compiled, each in a process of its own (see benchmarks/solo.py); None without names."""
    label = "W6 microgpt step, 1-layer GPT (n_embd 16, 4 heads), one name"
    path = microgpt.find_names(names)
    if path is None:
        rows.append([label, "—", "—", microgpt.MISSING])
        return None
    result = solo.measure(solo.KINDS, steps, repeats, path)
    differ, compared, _ = microgpt.losses_differ(result)
    rows.append(
        [
            f"{label}, {result.parameters:,} parameters",
            "microgpt's Value design (benchmarks/microgpt_peer.py)",
            seconds(result.median("peer")),
            f"each contender in a process of its own, on {path.name}; {repeats} rounds of "
            f"{steps} steps, the order rotating",
        ]
    )
    for kind, engine, note in (
        ("ours", "autograd_lite Value, the same script",
         f"{compared - differ} of {compared} losses equal to the peer's to the last bit"),
        ("gpt", "autograd_lite nn.GPT + optim.Adam, engine", "one linear node per dot product"),
    ):  # fmt: skip
        shown = ", ".join(f"{r:.2f}" for r in result.ratios(kind, "peer"))
        rows.append(
            [
                "",
                engine,
                seconds(result.median(kind)),
                f"{kind} / peer = {result.ratio(kind, 'peer'):.2f} (rounds: {shown}); {note}",
            ]
        )
    return result


def w7(steps: solo.Solo | None, rows: list[list[str]], names: Path | None, thousand: int) -> None:
    """nn.GPT compiled beside the peer (see benchmarks/compiled_gpt.py): the step (from W6's
    rounds), the compile cost, 1,000 steps end to end."""
    label = "W7 microgpt step, nn.GPT compiled, one name"
    path = microgpt.find_names(names)
    if path is None or steps is None:
        rows.append([label, "—", "—", microgpt.MISSING])
        return
    quick = thousand < 1000
    result = compiled_gpt.measure(microgpt.load_names(path), steps, thousand, quick)
    shown = ", ".join(f"{r:.1f}" for r in steps.ratios("peer", "compiled"))
    rows.append(
        [
            label,
            "autograd_lite nn.GPT, compiled",
            seconds(result.compiled),
            f"peer / compiled = {result.ratio:.1f}× (W6's rounds: {shown}); programs compiled "
            "before the timed steps",
        ]
    )
    rows.append(
        [
            f"W7 compiling the {2 if quick else 16} positions of a {2 if quick else 16}-token name",
            "autograd_lite nn.GPT, compiled",
            seconds(result.compile_seconds),
            f"peak {result.compile_peak / 1e6:.0f} MB (tracemalloc, a second run); one "
            "program per position, shared by every name",
        ]
    )
    if result.thousand is not None:
        t = result.thousand
        rows.append(
            [
                f"W7 {thousand:,} steps end to end, every compilation included",
                "autograd_lite nn.GPT, compiled",
                seconds(t.seconds),
                f"a real train(..., compile=True) run, {t.compiling:.1f} s of it compiling; "
                f"last-50 loss {t.last50:.4f}; the peer's {thousand:,} steps "
                f"{seconds(result.peer_thousand * thousand / 1000)} ({thousand:,} × its mean "
                f"step): {result.peer_thousand * thousand / 1000 / t.seconds:.1f}× faster",
            ]
        )


def table(rows: list[list[str]]) -> str:
    lines = ["| workload | engine | time (median) | notes |", "|---|---|---|---|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small sizes, to check that it runs")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per measurement (5)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where to write the table")
    parser.add_argument(
        "--names", type=Path, help="names file for W6 (default: packaged, else ../shared/data)"
    )
    args = parser.parse_args(argv)
    if args.repeats < 5 and not args.quick:
        parser.error("at least five repetitions, for a median worth quoting")
    if args.names is not None and not args.names.is_file():
        parser.error(f"--names: no file at {args.names}")
    repeats = 1 if args.quick else args.repeats
    has_micrograd = micrograd_available()
    rows: list[list[str]] = []
    w1(repeats, rows, has_micrograd)
    w2([2_000] if args.quick else [100_000, 1_000_000], repeats, rows, has_micrograd)
    w3(2_000 if args.quick else 1_000_000, repeats, rows, has_micrograd)
    w4(repeats, rows, has_micrograd)
    scratch = args.out.parent
    w5([100] if args.quick else [100, 1_000], repeats, rows, scratch)
    (scratch / "w5.svg").unlink(missing_ok=True)
    steps = w6(2 if args.quick else 25, repeats, rows, args.names)
    w7(steps, rows, args.names, 3 if args.quick else 1000)
    header = (
        f"Python {platform.python_version()} on {platform.machine()}, "
        f"{'quick sizes, ' if args.quick else ''}median of {repeats} after a warm-up; "
        f"cycle collector on{'' if has_micrograd else '; micrograd not installed (pip install micrograd==0.1.0)'}."
    )
    text = f"{header}\n\n{table(rows)}\n"
    print(text)
    args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
