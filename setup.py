"""templates/, static/ and migrations/ stay at the top of the repository and go into the
wheel inside the package, as cop/templates, cop/static and cop/migrations (cop/config.py
finds them in either place). Every folder is listed as a (namespace) package, setuptools'
way to ship the data files in it (MANIFEST.in lists which files); pyproject.toml cannot
list mapped folders, the rest of the package's description is there."""

from setuptools import find_namespace_packages, setup

SHIPPED = {"cop.templates": "templates", "cop.static": "static", "cop.migrations": "migrations"}
NOT_DATA = ["*__pycache__"]


def _packages() -> list[str]:
    found = find_namespace_packages(include=["cop", "cop.*"], exclude=NOT_DATA)
    for package, folder in SHIPPED.items():
        inside = find_namespace_packages(where=folder, exclude=NOT_DATA)
        found += [package, *(f"{package}.{name}" for name in inside)]
    return found


setup(packages=_packages(), package_dir=SHIPPED)
