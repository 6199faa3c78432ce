"""openskies: a discrete-event simulator of the Treaty on Open Skies."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("openskies")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
