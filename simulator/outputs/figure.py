"""A matplotlib figure that shows itself in Jupyter, with no pyplot and no global state.

The library never touches pyplot or the user's backend: figures are created directly and
saved with the Agg renderer. A plain ``matplotlib.figure.Figure`` made that way is shown in a
notebook only after pyplot has set up the inline backend; this subclass renders itself as PNG
wherever IPython asks.
"""

from __future__ import annotations

import io

from matplotlib.figure import Figure as _MatplotlibFigure


class Figure(_MatplotlibFigure):
    """A figure with a PNG representation for notebooks."""

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
        return buffer.getvalue()
