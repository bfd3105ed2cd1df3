"""Boundaries for the browser maps: read the pipeline's simplified GeoJSON, write compact files.

The maps are drawn by Leaflet from our own boundaries (no tile server). Each boundary set is
written as a small script (``assets/geo/<name>.js``) so that it loads from ``file://`` as well
as from any host; coordinates are rounded to 1e-4 degrees (about 7-11 m, finer than the
pipeline's simplification) and delta-encoded as integers, which the site script decodes back
into GeoJSON. Each area also gets a label point (inside the shape) and its area, so the
browser can label the largest areas first; a map is fitted to its main land (parts that hold at
least ``MAIN_LAND_SHARE`` of the total area), so Cardiff is not shrunk to fit Flat Holm.
"""

import json
from dataclasses import dataclass
from pathlib import Path

from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.ops import unary_union

SCALE = 10_000  # 1e-4 degrees
MAIN_LAND_SHARE = 0.005


@dataclass
class Area:
    code: str
    name_en: str
    name_cy: str | None
    geometry: MultiPolygon

    @property
    def parts(self) -> list[Polygon]:
        return list(self.geometry.geoms)


def multipolygon(geom) -> MultiPolygon:
    """``geom`` as a MultiPolygon: a polygon as its one part, a collection as its polygons."""
    if isinstance(geom, MultiPolygon):
        return geom
    if isinstance(geom, Polygon):
        return MultiPolygon([geom])
    return MultiPolygon(
        [
            p
            for g in getattr(geom, "geoms", [])
            for p in getattr(g, "geoms", [g])
            if isinstance(p, Polygon)
        ]
    )


def read_areas(path: Path) -> dict[str, Area]:
    """Areas keyed by ``code`` from a GeoJSON file with properties code, name_en, name_cy.

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
    out: dict[str, Area] = {}
    for feature in data["features"]:
        props = feature.get("properties") or {}
        code = props.get("code")
        if not code:
            raise ValueError(f"{path.name}: a feature has no 'code' property")
        geom = multipolygon(shape(feature["geometry"]))
        out[code] = Area(code, props.get("name_en") or code, props.get("name_cy"), geom)
    return out


def main_land_bounds(areas: list[Area]) -> list[list[float]]:
    """``[[south, west], [north, east]]`` of the parts holding >= ``MAIN_LAND_SHARE`` of the area."""
    parts = [p for a in areas for p in a.parts]
    total = sum(p.area for p in parts) or 1.0
    kept = [p for p in parts if p.area >= MAIN_LAND_SHARE * total] or parts
    west = min(p.bounds[0] for p in kept)
    south = min(p.bounds[1] for p in kept)
    east = max(p.bounds[2] for p in kept)
    north = max(p.bounds[3] for p in kept)
    return [[round(south, 4), round(west, 4)], [round(north, 4), round(east, 4)]]


def _encode_ring(coords) -> list[int]:
    out: list[int] = []
    px = py = 0
    last = None
    for x, y, *_ in coords:
        ix, iy = round(x * SCALE), round(y * SCALE)
        if (ix, iy) == last:
            continue
        out += [ix - px, iy - py]
        px, py, last = ix, iy, (ix, iy)
    return out


def encode(areas: list[Area]) -> dict:
    """The compact form the site script decodes: codes, label points, areas and rings."""
    shapes, lx, ly, size = [], [], [], []
    for a in areas:
        polys = []
        for p in a.parts:
            rings = [_encode_ring(p.exterior.coords)] + [
                _encode_ring(r.coords) for r in p.interiors
            ]
            polys.append([r for r in rings if len(r) >= 6])
        shapes.append(polys)
        largest = max(a.parts, key=lambda p: p.area)
        point = largest.representative_point()
        lx.append(round(point.x, 4))
        ly.append(round(point.y, 4))
        size.append(round(a.geometry.area * 1e6, 1))
    return {
        "codes": [a.code for a in areas],
        "lx": lx,
        "ly": ly,
        "size": size,
        "scale": SCALE,
        "shapes": shapes,
    }


def dissolve(areas: dict[str, Area], groups: dict[str, list[str]]) -> dict[str, Area]:
    """Areas made by joining member areas (a Public Services Board or health board from its
    local authorities, an MSOA from its LSOAs): ``groups`` maps the new code to member codes.
    Members without a boundary are left out; a group with none gets no area."""
    out: dict[str, Area] = {}
    for code, members in groups.items():
        geoms = [areas[m].geometry for m in members if m in areas]
        if not geoms:
            continue
        out[code] = Area(code, code, None, multipolygon(unary_union(geoms)))
    return out


OVERVIEW_TOLERANCE = 0.002  # degrees (about 140 m): finer than a pixel of a map of all Wales


def simplify_coverage(areas: list[Area], tolerance: float = OVERVIEW_TOLERANCE) -> list[Area]:
    """The areas simplified together for a Wales-wide map (``shapely.coverage_simplify``, so
    neighbours keep one shared edge and no gaps open between them)."""
    import shapely

    simplified = shapely.coverage_simplify([a.geometry for a in areas], tolerance)
    return [
        Area(a.code, a.name_en, a.name_cy, multipolygon(geom))
        for a, geom in zip(areas, simplified, strict=True)
    ]
