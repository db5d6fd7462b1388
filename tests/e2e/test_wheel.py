"""The built wheel, installed into a fresh virtual environment, works from an empty directory:
plans, FAQ and catalogs come from package data, not from a source tree beside it.

The fresh environment gets the wheel and, through a .pth line, the dependencies already
installed for the tests (no download; the project's own editable install there stays inert,
because .pth files of a path added that way are not run).
"""

import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 600


def run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_the_installed_wheel_checks_plans_and_runs_the_demo(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    # Build isolation fetches the setuptools pyproject.toml asks for (CI reaches PyPI).
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", wheels, ROOT, cwd=tmp_path)
    (wheel,) = wheels.glob("roadmap_bot-*.whl")

    empty = tmp_path / "empty"
    empty.mkdir()
    fresh = tmp_path / "fresh"
    venv.create(fresh, with_pip=True)
    python = fresh / "bin" / "python"
    run(python, "-m", "pip", "install", "-q", "--no-deps", "--no-index", wheel, cwd=tmp_path)
    site = run(
        python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))", cwd=tmp_path
    )
    (Path(site.strip()) / "test-dependencies.pth").write_text(
        sysconfig.get_path("purelib") + "\n", encoding="utf-8"
    )

    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    where = run(python, "-c", "import bot.resources as r; print(r.data_dir())", cwd=empty, env=env)
    assert where.strip().startswith(str(fresh)), where
    assert not Path(where.strip(), "..", "..", "tests").exists()

    checked = run(fresh / "bin" / "roadmap-bot", "check", cwd=empty, env=env)
    assert "altai-gia-2024" in checked and "spassk-dalny-gia-2024" in checked

    smoke = run(
        fresh / "bin" / "roadmap-bot", "demo", "--port", "0", "--smoke", cwd=empty, env=env
    )
    assert smoke.rstrip().endswith("smoke: OK"), smoke
    assert list(empty.iterdir()) == []  # nothing written into the working directory
