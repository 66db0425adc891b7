"""The command line, end to end, as a user runs it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from autograd_lite.cli import main


def test_chain_rule_shows_each_step_end_to_end() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "autograd_lite", "chain-rule"],
        capture_output=True,
        text=True,
        check=True,
    )
    out = result.stdout
    assert "f(2) = 125" in out
    assert "f'(2) = 300   (by hand: 3·(x² + 1)²·2x = 300)" in out
    assert "f''(2) = 630" in out
    assert "grad(x) += ∂x²/∂x × grad(x²) = 4 × 75" in out


def test_chain_rule_at_another_point(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["chain-rule", "--x", "1"]) == 0
    out = capsys.readouterr().out
    assert "f(1) = 8" in out
    assert "f'(1) = 24" in out  # 3·2²·2


def test_no_command_prints_help_and_fails(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main([]) == 2
    assert "demo" in capsys.readouterr().out


def test_chain_rule_reports_bad_points_without_a_traceback() -> None:
    for point, message in (("nan", "data must be a finite real number"), ("1e60", "overflows")):
        result = subprocess.run(
            [sys.executable, "-m", "autograd_lite", "chain-rule", "--x", point],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 2
        assert result.stderr.startswith("autograd-lite chain-rule: error: ")
        assert message in result.stderr
        assert "Traceback" not in result.stderr


def test_demo_trains_the_moons_to_100_percent_and_writes_its_pictures(tmp_path: Path) -> None:
    out = tmp_path / "pictures"
    result = subprocess.run(
        [sys.executable, "-m", "autograd_lite", "demo", "--out", str(out), "--seed", "0"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    assert "training accuracy 100%, first reached 100% at step" in result.stdout
    for name, start in (
        ("decision_boundary.png", b"\x89PNG"),
        ("loss_curve.png", b"\x89PNG"),
        ("neuron_graph.svg", b"<?xml"),
        ("network.svg", b"<?xml"),
    ):
        assert (out / name).read_bytes().startswith(start), name
    svg = (out / "neuron_graph.svg").read_text()
    assert "layer0.neuron" in svg  # the neuron's cluster
    assert "∂/∂w0 = " in svg  # rows of local derivatives


def test_demo_without_graphviz_writes_dot_and_says_how_to_install(tmp_path: Path) -> None:
    env = {"PATH": str(Path(sys.executable).parent), "MPLBACKEND": "Agg", "HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "autograd_lite", "demo", "--steps", "2", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    assert (tmp_path / "neuron_graph.dot").read_text().startswith("digraph autograd_lite {")
    assert (tmp_path / "network.dot").read_text().startswith("digraph")
    assert "sudo apt-get install --no-install-recommends graphviz" in result.stderr
    assert "brew install graphviz" in result.stderr


@pytest.mark.parametrize("args", [["demo", "--steps", "-1"], ["demo", "--steps", "x"]])
def test_demo_refuses_bad_arguments(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(args)
    assert info.value.code == 2
    assert "--steps" in capsys.readouterr().err


def test_graph_draws_an_expression_and_its_backward_frames(tmp_path: Path) -> None:
    out = tmp_path / "f.svg"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "autograd_lite",
            "graph",
            "(x**2 + 1)**3",
            "x=2",
            "-o",
            str(out),
            "--edge-derivatives",
            "--backward",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "(x**2 + 1)**3 = 125" in result.stdout
    assert "∂/∂x = 300" in result.stdout
    assert out.read_text().lstrip().startswith("<?xml")
    assert "× 75 = 300" in out.read_text()
    assert sorted(p.name for p in (tmp_path / "f_frames").iterdir()) == [
        f"frame_{k:03d}.svg" for k in range(4)
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["graph", "__import__('os')", "-o", "x.svg"],
            "not allowed in an expression: a call of __import__",
        ),
        (["graph", "log(x)", "x=-1"], "log: expected x > 0; got x = -1.0 (node 'x')"),
        (["graph", "x + y", "x=1"], "unknown variable 'y'"),
        (["graph", "x", "x=1", "-o", "g.gif"], "the picture must end in .svg, .png or .pdf"),
    ],
)
def test_graph_errors_are_one_line(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        main([*args[:2], *args[2:]] if "-o" in args else [*args, "-o", str(tmp_path / "g.svg")])
    assert info.value.code == 2
    assert message in capsys.readouterr().err


def test_graph_refuses_malformed_assignments(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["graph", "x", "x:1"])
    assert "expected name=number, as in x=2" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        ("y=abc", "y: expected a number, got 'abc'"),
        ("x:1", "expected name=number, as in x=2, got 'x:1'"),
    ],
)
def test_a_bad_assignment_is_one_clean_line_without_the_usage(
    argument: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        main(["graph", "x * y", "x=2", argument])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err == f"autograd-lite graph: error: {message}\n"


def test_graph_without_graphviz_writes_dot(tmp_path: Path) -> None:
    env = {"PATH": str(Path(sys.executable).parent), "HOME": str(tmp_path)}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "autograd_lite",
            "graph",
            "x*y",
            "x=2",
            "y=3",
            "-o",
            str(tmp_path / "g.svg"),
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 2
    assert (tmp_path / "g.dot").read_text().startswith("digraph")
    assert "brew install graphviz" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_demo_picture_shows_this_passs_gradients_not_trainings() -> None:
    from autograd_lite import gradients
    from autograd_lite.cli import _neuron_picture
    from autograd_lite.datasets import make_moons
    from autograd_lite.nn import MLP
    from autograd_lite.train import train

    X, y = make_moons(20, seed=0)
    model = MLP(2, [4, 4, 1], seed=0)
    train(model, X, y, steps=2, progress=False)  # leaves gradients on every parameter
    output = _neuron_picture(model, X[0])
    neuron = max(model.layers[0].neurons, key=lambda n: n(X[0]).data)
    params = [*neuron.w, neuron.b]
    assert [p.grad for p in params] == [g.data for g in gradients(output, params)]


def test_graph_refuses_a_bad_picture_format_before_computing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        main(["graph", "x*y", "x=2", "y=3", "-o", "g.jpg"])
    captured = capsys.readouterr()
    assert captured.out == ""  # nothing computed or printed first
    assert "'g.jpg'" in captured.err


@pytest.mark.parametrize("term", ["x", "2*x"])
def test_graph_of_one_value_feeding_80_ops_renders(term: str, tmp_path: Path) -> None:
    # Once made dot run for minutes; the command line gives Graphviz at most 10 s.
    out = tmp_path / "sum.svg"
    assert main(["graph", "+".join([term] * 80), "x=1", "-o", str(out), "--edge-derivatives"]) == 0
    assert "a copy of x" in out.read_text()


def test_graph_html_of_a_120_term_sum_is_written(tmp_path: Path) -> None:
    page = tmp_path / "pages" / "sum.html"  # a folder that does not exist yet
    assert main(["graph", "+".join(["x"] * 120), "x=1", "-o", str(tmp_path / "s.svg"),
                 "--html", str(page)]) == 0  # fmt: skip
    assert "<svg" in page.read_text(encoding="utf-8")


def test_graph_html_writes_the_explorer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page = tmp_path / "f.html"
    assert (
        main(["graph", "(x**2 + 1)**3", "x=2", "-o", str(tmp_path / "f.svg"), "--html", str(page)])
        == 0
    )
    text = page.read_text(encoding="utf-8")
    assert text.lstrip().lower().startswith("<!doctype html>")
    assert "<svg" in text and "<script" in text
    assert "http://" not in text.replace("http://www.w3.org", "")
    assert f"Wrote {page}" in capsys.readouterr().out


def test_graph_sends_long_backward_passes_to_the_explorer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        main(["graph", "+".join(["x"] * 50), "x=1", "-o", str(tmp_path / "g.svg"), "--backward"])
    err = capsys.readouterr().err
    assert "this backward pass has 50 steps" in err and "--html" in err
    assert not (tmp_path / "g.svg").exists()


def test_gpt_trains_on_names_and_prints_samples(capsys: pytest.CaptureFixture[str]) -> None:
    from autograd_lite.cli import main

    assert main(["gpt", "--steps", "3", "--seed", "1", "--temperature", "0.8", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "GPT(vocab 27, block 16, 1 layer, 16 embd, 4 heads), 4192 parameters" in out
    assert "Average loss of the last 3 steps: " in out
    samples = out.split("20 samples at temperature 0.8:\n")[1].splitlines()
    assert len(samples) == 20
    assert all(set(s.strip()) <= set("abcdefghijklmnopqrstuvwxyz") for s in samples)


@pytest.mark.parametrize("temperature", ["0", "-0.5"])
def test_gpt_refuses_a_temperature_that_is_not_positive(
    temperature: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from autograd_lite.cli import main

    with pytest.raises(SystemExit):
        main(["gpt", "--steps", "0", "--temperature", temperature])
    assert "--temperature must be a positive number" in capsys.readouterr().err


def test_gpt_compile_trains_on_names_and_prints_samples(capsys: pytest.CaptureFixture[str]) -> None:
    from autograd_lite.cli import main

    args = ["gpt", "--steps", "3", "--seed", "1", "--quiet", "--compile"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "Compiled: one program per position" in out
    assert "Average loss of the last 3 steps: " in out
    assert len(out.split("20 samples at temperature 0.5:\n")[1].splitlines()) == 20
