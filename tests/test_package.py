"""The package as a user installs it: built, installed into a fresh venv, run from elsewhere.

``python -m build`` makes the sdist and, from it, the wheel (so the wheel also shows that the
sdist holds everything). The wheel goes into a new virtual environment in a temporary folder
with its dependencies resolved by pip (and the ``[plot]`` extra that the demo needs), and every
command runs from a folder outside the repository, with no PYTHONPATH, so only the installed
copy can be imported. About 20 s in all, most of it pip.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tarfile
import venv
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 300  # seconds for one command; the whole module takes about 20


@dataclass
class Installed:
    """A built sdist and wheel, and a fresh venv with the wheel installed in it."""

    sdist: Path
    wheel: Path
    bin: Path  # the venv's scripts
    elsewhere: Path  # an empty working folder outside the repository
    env: dict[str, str]

    def run(self, *command: str) -> subprocess.CompletedProcess[str]:
        """Run one of the venv's programs (``python``, ``autograd-lite``) from elsewhere."""
        result = subprocess.run(
            [str(self.bin / command[0]), *command[1:]],
            cwd=self.elsewhere,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
        assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
        return result

    def python(self, code: str) -> str:
        """Run ``code`` with the venv's Python; its standard output."""
        return self.run("python", "-c", code).stdout


def _version() -> str:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    found = re.search(r'^version = "([^"]+)"', text, re.MULTILINE)
    assert found is not None
    return found.group(1)


def _source_files() -> list[str]:
    """The package's files in the source tree, relative to the repository: what git tracks
    (what a fresh clone has), else every file outside __pycache__."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--", "autograd_lite"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if listed.returncode == 0 and listed.stdout:
        files = [name for name in listed.stdout.split("\0") if name]
        return sorted(name for name in files if (ROOT / name).is_file())  # not deleted ones
    return sorted(
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "autograd_lite").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    )


def _clean_env(**extra: str) -> dict[str, str]:
    """The environment without anything that would point Python at the source tree or at
    the test run's own venv."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP")
    }
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """Build, make a venv, install the wheel with its dependencies (once for the module)."""
    pytest.importorskip("build", reason="needs the build front end (the [dev] extra)")
    base = tmp_path_factory.mktemp("package")
    dist = base / "dist"
    env = _clean_env(MPLBACKEND="Agg")
    built = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(dist), str(ROOT)],
        cwd=base,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert built.returncode == 0, f"python -m build failed:\n{built.stdout}\n{built.stderr}"
    (sdist,) = dist.glob("*.tar.gz")
    (wheel,) = dist.glob("*.whl")
    venv.create(base / "venv", with_pip=True, clear=True)
    bin_dir = base / "venv" / ("Scripts" if os.name == "nt" else "bin")
    elsewhere = base / "elsewhere"
    elsewhere.mkdir()
    env["VIRTUAL_ENV"] = str(base / "venv")
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    result = Installed(sdist, wheel, bin_dir, elsewhere, env)
    # Dependencies resolved by pip (from PyPI, or whatever index and --find-links pip is set
    # up with): not --no-deps, so a missing or wrong requirement fails here.
    result.run("python", "-m", "pip", "install", "--quiet", f"{wheel}[plot]")
    return result


def test_sdist_and_wheel_hold_every_file_of_the_package(installed: Installed) -> None:
    version = _version()
    assert installed.wheel.name == f"autograd_lite-{version}-py3-none-any.whl"
    with tarfile.open(installed.sdist) as sdist:
        in_sdist = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    missing = [name for name in _source_files() if name not in in_sdist]
    assert not missing, f"not in the sdist: {missing}"


def test_the_installed_package_is_the_wheel_not_the_source_tree(installed: Installed) -> None:
    code = "import autograd_lite, pathlib; print(pathlib.Path(autograd_lite.__file__).resolve())"
    where = Path(installed.python(code).strip())
    assert where.is_relative_to(installed.bin.parent.resolve()), where
    assert not where.is_relative_to(ROOT), where


def test_version(installed: Installed) -> None:
    result = installed.run("autograd-lite", "--version")
    assert result.stdout.strip() == f"autograd_lite {_version()}"


def test_demo_runs_and_writes_its_pictures(installed: Installed) -> None:
    out = installed.elsewhere / "demo"
    result = installed.run("autograd-lite", "demo", "--steps", "5", "--out", str(out), "--quiet")
    assert "After 5 steps" in result.stdout
    pictures = ["decision_boundary.png", "loss_curve.png", "network.svg", "neuron_graph.svg"]
    if shutil.which("dot") is None:  # without Graphviz the demo draws no graphs
        pictures = pictures[:2]
    for name in pictures:
        assert (out / name).stat().st_size > 0, result.stdout


@pytest.mark.skipif(shutil.which("dot") is None, reason="the explorer lays out with Graphviz's dot")
def test_explorer_saves_a_page_with_its_script_and_style(installed: Installed) -> None:
    page = installed.elsewhere / "backward.html"
    code = (
        "from autograd_lite import Value\n"
        "from autograd_lite.viz import explore\n"
        "x = Value(2.0, label='x')\n"
        "f = (x**2 + 1) ** 3\n"
        f"print(explore(f).save({str(page)!r}))\n"
    )
    assert installed.python(code).strip() == str(page)
    text = page.read_text(encoding="utf-8")
    script = (ROOT / "autograd_lite" / "viz" / "explorer.js").read_text(encoding="utf-8")
    style = (ROOT / "autograd_lite" / "viz" / "explorer.css").read_text(encoding="utf-8")
    assert script in text  # the packaged JavaScript and CSS, inlined
    assert style in text
    assert "<svg" in text


def test_every_file_of_the_package_is_installed(installed: Installed) -> None:
    site = installed.python(
        "import autograd_lite, pathlib; print(pathlib.Path(autograd_lite.__file__).parent.parent)"
    ).strip()
    source = _source_files()
    data = [name for name in source if not name.endswith(".py")]
    assert {"autograd_lite/py.typed", "autograd_lite/viz/explorer.js"} <= set(data)
    missing = [name for name in source if not (Path(site) / name).is_file()]
    assert not missing, f"in the source tree but not installed from the wheel: {missing}"
    changed = [
        name
        for name in data
        if hashlib.sha256((Path(site) / name).read_bytes()).digest()
        != hashlib.sha256((ROOT / name).read_bytes()).digest()
    ]
    assert not changed, f"installed with other contents than the source tree's: {changed}"
