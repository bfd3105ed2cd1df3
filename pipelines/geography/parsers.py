"""Parsers for the geography lookups (all columns kept as text, names snake_cased)."""

import polars as pl

from pipelines.catalogue import FetchedFile
from pipelines.contracts import source_schema
from pipelines.readers import read_sheet_table


def parse_lsoa11_geography_lookup(fetched: FetchedFile) -> pl.DataFrame:
    """Welsh Government WIMD 2019 geography lookup: one row per 2011 LSOA (1,909), with LA, MSOA,
    LHB, rural/urban class, built-up area, EAP area, constituency, city region (codes and names)."""
    rename = {
        "Lower Layer Super Output Area (LSOA) Code": "lsoa_code",
        "LSOA Name": "lsoa_name_en",
        "Local Authority (LA) Code": "la_code",
        "Local Authority (LA) Name": "la_name_en",
        "Middle Layer Super Output Area (MSOA) Code": "msoa_code",
        "Middle Layer Super Output Area (MSOA) Name": "msoa_name_en",
        "Local Health Board (LHB) Code": "lhb_code",
        "Local Health Board (LHB) Name": "lhb_name_en",
    }
    return read_sheet_table(
        fetched.path, "Geography_Lookup", r"lower layer super output area|^lsoa", rename
    )


def parse_ward25_names(fetched: FetchedFile) -> pl.DataFrame:
    """Ward codes and names from a folder of per-authority ward GeoJSON files (properties only).

    Returns:
        One row per ward (762 in Wales): wd25cd, wd25nm (English), wd25nmw (Welsh), lad25cd.

    Raises:
        ValueError: a file lacks one of those properties (names the file and the feature).
    """
    import json
    from pathlib import Path

    rows = []
    files = (
        sorted(Path(fetched.path).glob("*.geojson"))
        if Path(fetched.path).is_dir()
        else [Path(fetched.path)]
    )
    for file in files:
        for i, feature in enumerate(json.loads(file.read_text(encoding="utf-8"))["features"]):
            props = feature.get("properties") or {}
            missing = [k for k in ("WD25CD", "WD25NM", "WD25NMW", "LAD25CD") if not props.get(k)]
            if missing:
                raise ValueError(f"{file.name}, feature {i + 1}: no {', '.join(missing)}")
            rows.append(
                (
                    props["WD25CD"],
                    props["WD25NM"].strip(),
                    props["WD25NMW"].strip(),
                    props["LAD25CD"],
                )
            )
    return pl.DataFrame(rows, schema=source_schema("raw.ward25_names"), orient="row")
