"""Where the shipped data lives: plans, FAQ and translations are package data (``bot.data``).

The repository keeps them in ``data/`` (setup.py maps that folder into the package), so an
installed bot finds them through importlib.resources whatever the working directory is.
"""

from importlib import resources
from pathlib import Path

DATA_PACKAGE = "bot.data"


def data_dir() -> Path:
    """The folder holding ``plans/``, ``faq/`` and ``locales/``.

    A wheel or an editable install keeps package data as real files; a zipped install, which
    would need ``as_file`` extraction, is not supported (pip never produces one).
    """
    root = resources.files(DATA_PACKAGE)
    path = Path(str(root))
    if not path.is_dir():
        raise FileNotFoundError(f"the package data folder {root} is not on the file system")
    return path


def shipped(*parts: str) -> str:
    """A path or glob inside the shipped data, as a string for settings defaults."""
    return str(data_dir().joinpath(*parts))
