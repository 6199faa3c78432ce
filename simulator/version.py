"""The installed package's version, in a module of its own so that any room can import it."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("openskies")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0+unknown"
