"""Parsers for the population files."""

import polars as pl

from pipelines.catalogue import FetchedFile
from pipelines.contracts import source_columns, source_schema
from pipelines.readers import (
    csv_parser,
    read_csv_strings,
    read_feature_records,
    read_sheet_table,
    with_row_numbers,
)

CENSUS_TABLES = ("ts021", "ts030", "ts038")
TOTAL_COLUMN = "Total: All usual residents"


def _census_totals(path, table: str) -> pl.DataFrame:
    """One Nomis bulk CSV (England and Wales LSOAs): Welsh ``geography code`` and the table's
    'Total: All usual residents' column, with the CSV row number."""
    frame = with_row_numbers(read_csv_strings(path), 2)
    totals = [c for c in frame.columns if c.strip().endswith(TOTAL_COLUMN)]
    if "geography code" not in frame.columns or len(totals) != 1:
        raise ValueError(
            f"{path.name}: expected a 'geography code' column and one column ending "
            f"'{TOTAL_COLUMN}' (columns: {frame.columns})"
        )
    return frame.filter(pl.col("geography code").str.starts_with("W01")).select(
        pl.col("source_row_number"),
        pl.col("geography code").alias("lsoa21_code"),
        pl.col(totals[0]).alias(f"usual_residents_{table}"),
    )


def parse_lsoa21_population(fetched: FetchedFile) -> pl.DataFrame:
    """Census 2021 usual residents by Welsh 2021 LSOA (1,917 rows).

    Reads the mirror's reprocessed CSV, or the official parts (``format: parts``): the Nomis bulk
    CSVs of TS021, TS030 and TS038 (``census2021-tsNNN-lsoa.csv``) and the ONS LSOA21 -> ward 2024
    -> LAD 2024 lookup (GeoJSON) for LSOA names and LAD 2024 code and name, composed exactly as
    the mirror's file was (``../shared/data/population_2021/SOURCES.md``).

    Columns: source_row_number (the CSV row; for parts, the row of the TS021 file), lsoa21_code,
    lsoa21_name, lad24_code, lad24_name, usual_residents_ts021 / _ts030 / _ts038 (text).

    Raises:
        ValueError: a part is missing a column, or an LSOA is missing from a part.
    """
    if fetched.format != "parts":
        return csv_parser()(fetched)
    folder = fetched.path
    tables = [_census_totals(folder / f"census2021-{t}-lsoa.csv", t) for t in CENSUS_TABLES]
    lookup = read_feature_records(folder / "lsoa21_wd24_lad24.geojson").select(
        pl.col("LSOA21CD").alias("lsoa21_code"),
        pl.col("LSOA21NM").alias("lsoa21_name"),
        pl.col("LAD24CD").alias("lad24_code"),
        pl.col("LAD24NM").alias("lad24_name"),
    )
    out = lookup.join(tables[0], on="lsoa21_code", how="left")
    for table in tables[1:]:
        out = out.join(table.drop("source_row_number"), on="lsoa21_code", how="left")
    incomplete = out.filter(pl.any_horizontal(pl.all().is_null()))
    if incomplete.height:
        raise ValueError(
            f"{folder.name}: {incomplete.height} Welsh LSOAs lack a census total or a lookup "
            f"row, e.g. {incomplete.head(3).to_dicts()}"
        )
    return out.sort("lsoa21_code").select(source_columns("raw.lsoa21_population"))


def parse_la_population(fetched: FetchedFile) -> pl.DataFrame:
    """StatsWales mid-year population estimates by area (CSV export): long format.

    Returns one row per area x year: source_row_number, area_name (hierarchy columns collapsed,
    trailing spaces and footnote marks like '(1)' removed), year_label ('Mid-year 2023'), value
    (text as published; '..' = not available). Footnote rows after the table are dropped.
    """
    rows = [list(r) for r in read_csv_strings(fetched.path, has_header=False).iter_rows()]
    header = next(i for i, r in enumerate(rows) if any((c or "").startswith("Mid-year") for c in r))
    years = {i: c.strip() for i, c in enumerate(rows[header]) if c and c.startswith("Mid-year")}
    first_year_col = min(years)
    out = []
    for offset, row in enumerate(rows[header + 1 :], start=header + 2):
        names = [c.strip() for c in row[:first_year_col] if c and c.strip()]
        values = [row[i] for i in years]
        if not names or all(v in (None, "") for v in values):
            break  # end of table: footnotes follow
        area = names[-1]
        area = area.split(" (")[0].strip() if area.endswith(")") else area
        for i, label in years.items():
            out.append((offset, area, label, (row[i] or "").strip()))
    return pl.DataFrame(out, schema=source_schema("raw.la_population"), orient="row")


def parse_lsoa11_population_2018(fetched: FetchedFile) -> pl.DataFrame:
    """ONS SAPE21DT11 mid-2018 population density by LSOA: Welsh rows only (1,909).

    Columns: source_row_number, code, name, mid_2018_population, area_sq_km, people_per_sq_km.
    """
    frame = read_sheet_table(fetched.path, "Mid-2018 Population Density", r"^code$")
    return frame.filter(pl.col("code").str.starts_with("W01"))
