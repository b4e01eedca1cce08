"""Build configuration that pyproject.toml cannot express: ship ``data/`` inside the wheel.

The course data stays in the repository's top-level ``data/`` folder; the wheel carries a copy
as the package directory ``livedqn_edu/_data``, where :func:`livedqn_edu.manifest.data_dir`
finds it when the package is installed without the repository. Everything else is declared in
pyproject.toml.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["livedqn_edu", "livedqn_edu.*"]), "livedqn_edu._data"],
    package_dir={"livedqn_edu._data": "data"},
    package_data={"livedqn_edu._data": ["**/*"]},
    include_package_data=False,
)
