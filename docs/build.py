"""Build the site into out/site/ (what `make docs` runs; the browser tests run it too).

    python docs/build.py [OUTPUT_FOLDER]

Every build starts from an empty output folder and a fresh Sphinx environment, so a page never
outlives its source and the API reference always reads the package as it is now. What is slow,
running the lessons, is cached in out/jupyter_cache/ (see docs/conf.py): a lesson runs again
only when its notebook or the package's code changed. Warnings are errors.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SITE = ROOT / "out" / "site"
KATEX = HERE / "node_modules" / "katex" / "dist" / "katex.min.js"


def build(site: Path = SITE) -> Path:
    """Build the site into ``site`` (emptied first) and return its index.html."""
    if not KATEX.is_file():
        raise SystemExit(
            f"{KATEX.relative_to(ROOT)} is missing: run `make docs`, which installs KaTeX "
            "with `npm ci --prefix docs`"
        )
    shutil.rmtree(site, ignore_errors=True)
    doctrees = ROOT / "out" / "doctrees"
    shutil.rmtree(doctrees, ignore_errors=True)
    command = [sys.executable, "-m", "sphinx", "-b", "html", "-E", "-W", "--keep-going", "-q"]
    subprocess.run([*command, "-d", str(doctrees), str(HERE), str(site)], check=True, cwd=ROOT)
    return site / "index.html"


def main(argv: list[str]) -> int:
    started = time.perf_counter()
    try:
        index = build(Path(argv[0]).resolve() if argv else SITE)
    except subprocess.CalledProcessError as error:
        return error.returncode or 1
    print(f"The site, built in {time.perf_counter() - started:.0f} s: {index}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
