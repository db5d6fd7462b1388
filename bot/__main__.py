"""Entry point: `python -m bot` and the `roadmap-bot` console script."""

import sys

from bot.cli import main


def run() -> None:
    sys.exit(main(sys.argv[1:]))


if __name__ == "__main__":
    run()
