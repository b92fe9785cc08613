"""mmcontract: contract tests and schema validation for the DataRobot Model Management API."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("mmcontract")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0"

__all__ = ["__version__"]
