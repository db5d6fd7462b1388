"""Only what pyproject.toml cannot say: the repository's data/ folder ships as ``bot.data``.

data/ stays where it is (plans, FAQ and catalogs are edited there); the wheel maps it into the
package so an installed bot reads it through importlib.resources from any working directory.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["bot*", "handlers*", "storage*"]), "bot.data"],
    package_dir={"bot.data": "data"},
)
