"""A factory for source assets: fetch a catalogue file, parse it, land it as ``raw.<key>``."""

from collections.abc import Callable, Sequence

import dagster as dg
import polars as pl

from pipelines.catalogue import FetchedFile, fetch, load_catalogue
from pipelines.contracts import apply_comments
from pipelines.warehouse import LINEAGE_COLUMNS, Warehouse, table_metadata, write_table

Parser = Callable[[FetchedFile], pl.DataFrame]

# Every source asset's parser, by catalogue key (filled as the asset modules are imported).
SOURCE_PARSERS: dict[str, Parser] = {}


def register_parser(key: str, parse: Parser) -> None:
    """Record the parser that turns catalogue source ``key`` into its raw rows."""
    if key in SOURCE_PARSERS and SOURCE_PARSERS[key] is not parse:
        raise ValueError(f"two parsers registered for source '{key}'")
    SOURCE_PARSERS[key] = parse


def load_source(key: str, mirror=None, cache_dir=None):
    """The raw rows of one source, without Dagster: ``fetch`` then the source's parser.

    Returns the parser's frame (a polars DataFrame, or a GeoDataFrame for boundaries) without
    lineage columns, and the ``FetchedFile`` it came from.
    """
    import pipelines.definitions  # noqa: F401  (imports every asset module, filling the registry)

    fetched = fetch(key, mirror=mirror, cache_dir=cache_dir)
    return SOURCE_PARSERS[key](fetched), fetched


def raw_source_asset(
    key: str,
    parse: Parser,
    group_name: str,
    description: str,
    kinds: Sequence[str] = ("duckdb", "polars"),
    deps: Sequence[dg.AssetKey] = (),
) -> dg.AssetsDefinition:
    """Build the Dagster asset that lands catalogue source ``key`` in ``raw.<key>``.

    Args:
        key: catalogue key (also the raw table and asset name).
        parse: turns the fetched file into a frame (one row per source row, source columns
            renamed to snake_case; no lineage columns, the factory adds them).
        group_name: Dagster asset group (the dataset's folder name).
        description: grain and columns of the raw table; the source and licence are appended.
        kinds: Dagster kinds shown in the UI.
        deps: other assets this one needs (rare for sources).
    """
    source = load_catalogue()[key]
    register_parser(key, parse)
    full_description = (
        f"{description}\n\nSource: {source.title}. Publisher: {source.publisher}. "
        f"Licence: {source.licence}. Official URL: {source.url}\n\n"
        f"Lineage columns on every row: {', '.join(LINEAGE_COLUMNS)}."
    )

    @dg.asset(
        name=key,
        key_prefix=["raw"],
        group_name=group_name,
        kinds=set(kinds),
        description=full_description,
        deps=list(deps),
        metadata={"source_url": source.url, "licence": source.licence, "format": source.format},
    )
    def _asset(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
        fetched = fetch(key)
        context.log.info(f"{key}: reading {fetched.path} ({fetched.origin}, {fetched.format})")
        frame = parse(fetched)
        if fetched.checksum_matches is False:
            context.log.warning(
                f"{key}: checksum {fetched.sha256} differs from the catalogue's "
                f"{fetched.expected_sha256}: the publisher may have changed the file."
            )
        with warehouse.connect() as con:
            rows = write_table(con, f"raw.{key}", frame, fetched.lineage())
            apply_comments(con, f"raw.{key}")
            metadata = table_metadata(con, f"raw.{key}")
        context.log.info(f"{key}: {rows} rows written to raw.{key}")
        return dg.MaterializeResult(
            metadata={
                **metadata,
                "source_file": fetched.file_name,
                "source_sha256": fetched.sha256,
                "checksum_matches_catalogue": str(fetched.checksum_matches),
                "origin": fetched.origin,
            }
        )

    return _asset
