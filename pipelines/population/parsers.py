"""Parsers for the population files."""

import polars as pl

from pipelines.catalogue import FetchedFile
from pipelines.readers import read_csv_strings, read_sheet_table


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
    return pl.DataFrame(
        out, schema=["source_row_number", "area_name", "year_label", "value"], orient="row"
    ).with_columns(pl.col("source_row_number").cast(pl.Int64))


def parse_lsoa11_population_2018(fetched: FetchedFile) -> pl.DataFrame:
    """ONS SAPE21DT11 mid-2018 population density by LSOA: Welsh rows only (1,909).

    Columns: source_row_number, code, name, mid_2018_population, area_sq_km, people_per_sq_km.
    """
    frame = read_sheet_table(fetched.path, "Mid-2018 Population Density", r"^code$")
    return frame.filter(pl.col("code").str.starts_with("W01"))
