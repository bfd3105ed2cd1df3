"""Boundaries as inline SVG: read the pipeline's simplified GeoJSON, project, write path data.

The projection is spherical Web Mercator (fine at the scale of Wales: the map is for shading,
not measuring). Coordinates are fitted to a fixed-width viewBox and rounded to 0.1 unit;
points closer than ``min_step`` units to the previous one are dropped, so the paths stay small.
"""

import json
import math
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Shape:
    code: str
    name_en: str
    name_cy: str | None
    rings: list[list[tuple[float, float]]]  # projected (x, y), y growing southwards


def _project(lon: float, lat: float) -> tuple[float, float]:
    x = math.radians(lon)
    y = math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))
    return x, -y


def read_shapes(path: Path) -> dict[str, Shape]:
    """Shapes keyed by ``code`` from a GeoJSON file with properties code, name_en, name_cy.

    Raises:
        FileNotFoundError: the boundaries have not been written yet (run the boundary assets).
        ValueError: a feature lacks ``code``.
    """
    if not path.is_file():
        raise FileNotFoundError(
            f"boundary file {path} not found: materialise the boundary assets first "
            "(they write local_authorities.geojson and lsoa21.geojson to WELLBEING_BOUNDARIES_DIR)"
        )
    data = json.loads(path.read_text(encoding="utf-8"))
    shapes: dict[str, Shape] = {}
    for feature in data["features"]:
        props = feature.get("properties") or {}
        code = props.get("code")
        if not code:
            raise ValueError(f"{path.name}: a feature has no 'code' property")
        geom = feature.get("geometry") or {}
        polys = geom.get("coordinates") or []
        if geom.get("type") == "Polygon":
            polys = [polys]
        rings = [[_project(x, y) for x, y, *_ in ring] for poly in polys for ring in poly]
        shapes[code] = Shape(code, props.get("name_en") or code, props.get("name_cy"), rings)
    return shapes


def svg_paths(
    shapes: list[Shape], width: float = 600.0, pad: float = 4.0, min_step: float = 0.6
) -> tuple[str, dict[str, str]]:
    """Fit ``shapes`` into a ``width``-wide viewBox; return (viewBox, {code: path data})."""
    xs = [x for s in shapes for r in s.rings for x, _ in r]
    ys = [y for s in shapes for r in s.rings for _, y in r]
    if not xs:
        return f"0 0 {width:g} {width:g}", {}
    minx, maxx, miny, maxy = min(xs), max(xs), min(ys), max(ys)
    scale = (width - 2 * pad) / max(maxx - minx, 1e-12)
    height = (maxy - miny) * scale + 2 * pad
    paths: dict[str, str] = {}
    for shape in shapes:
        parts = []
        for ring in shape.rings:
            pts: list[tuple[float, float]] = []
            for x, y in ring:
                px = round((x - minx) * scale + pad, 1)
                py = round((y - miny) * scale + pad, 1)
                if pts and abs(px - pts[-1][0]) + abs(py - pts[-1][1]) < min_step:
                    continue
                pts.append((px, py))
            if len(pts) >= 3:
                parts.append("M" + " ".join(f"{x:g} {y:g}" for x, y in pts) + "Z")
        paths[shape.code] = "".join(parts)
    return f"0 0 {width:g} {height:.0f}", paths
