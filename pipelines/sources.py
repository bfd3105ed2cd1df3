"""A factory for source assets: fetch a catalogue file, parse it, land it as ``raw.<key>``."""

from collections.abc import Callable, Sequence

import dagster as dg
import polars as pl

from pipelines.catalogue import FetchedFile, fetch, load_catalogue, sources_for_table
from pipelines.contracts import asset_description, write_contract_table
from pipelines.warehouse import Warehouse

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


def fetch_logged(key: str, log) -> FetchedFile:
    """``fetch(key)``, logging which file is read and warning when its checksum differs from the
    catalogue's (the contract's checksum warning reports it too)."""
    fetched = fetch(key)
    log.info(f"{key}: reading {fetched.path} ({fetched.origin}, {fetched.format})")
    if fetched.checksum_matches is False:
        log.warning(
            f"{key}: checksum {fetched.sha256} differs from the catalogue's "
            f"{fetched.expected_sha256}: the publisher may have changed the file."
        )
    return fetched


def source_asset(
    key: str,
    group_name: str,
    kinds: Sequence[str],
    notes: Sequence[str] = (),
    deps: Sequence[dg.AssetKey] = (),
):
    """The asset decorator of catalogue source ``key`` (asset ``raw/<key>``): its description is
    the contract's description of ``raw.<key>``, ``notes`` and the official URL."""
    source = load_catalogue()[key]
    return dg.asset(
        name=key,
        key_prefix=["raw"],
        group_name=group_name,
        kinds=set(kinds),
        description=asset_description(f"raw.{key}", *notes, f"Official URL: {source.url}"),
        deps=list(deps),
        metadata={"source_url": source.url, "licence": source.licence, "format": source.format},
    )


def raw_source_asset(
    key: str,
    parse: Parser,
    group_name: str,
    kinds: Sequence[str] = ("duckdb", "polars"),
    deps: Sequence[dg.AssetKey] = (),
) -> dg.AssetsDefinition:
    """Build the Dagster asset that lands catalogue source ``key`` in ``raw.<key>``.

    Its description is the contract's description of ``raw.<key>`` and the official URL.

    Args:
        key: catalogue key (also the raw table and asset name).
        parse: turns the fetched file into a frame (one row per source row, source columns
            renamed to snake_case; no lineage columns, the factory adds them).
        group_name: Dagster asset group (the dataset's folder name).
        kinds: Dagster kinds shown in the UI.
        deps: other assets this one needs (rare for sources).
    """
    register_parser(key, parse)

    @source_asset(key, group_name, kinds, deps=deps)
    def _asset(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
        fetched = fetch_logged(key, context.log)
        frame = parse(fetched)
        with warehouse.connect() as con:
            metadata = write_contract_table(con, f"raw.{key}", frame, fetched.lineage())
        context.log.info(f"{key}: {metadata['dagster/row_count']} rows written to raw.{key}")
        return dg.MaterializeResult(metadata={**metadata, **fetched.metadata()})

    return _asset


def raw_multi_source_asset(
    table: str,
    parse: Parser,
    group_name: str,
    kinds: Sequence[str] = ("duckdb", "polars"),
) -> dg.AssetsDefinition:
    """Build the asset that lands several catalogue files in one table ``raw.<table>``.

    The files are the catalogue entries keyed ``<table>__<part>`` (``sources_for_table``), for
    example one CSV per indicator. Each is fetched and parsed on its own and carries its own
    lineage columns (file name, sha256, URL, licence), so a row always says which file it came
    from; the frames are stacked in key order. A file whose checksum differs from the
    catalogue's is logged (and reported by the contract's checksum warning).

    Args:
        table: the raw table (and asset) name; the catalogue must hold ``<table>__<part>`` keys.
        parse: turns one fetched file into a frame; every file's frame must have the same
            columns (a file with other columns is an error naming the file).
        group_name: Dagster asset group.

    Its description is the contract's description of ``raw.<table>`` and the files' URLs.

    Raises:
        KeyError: (at definition time) no catalogue entry lands in ``raw.<table>``, or the
            table has no contract description (also for ``raw_source_asset``).
    """
    sources = [s for s in sources_for_table(table) if s.key != table]
    if not sources:
        raise KeyError(f"no catalogue entries named {table}__<part> for raw.{table}")
    for source in sources:
        register_parser(source.key, parse)
    listed = "; ".join(f"{s.key}: {s.url}" for s in sources)
    licences = sorted({s.licence for s in sources})

    @dg.asset(
        name=table,
        key_prefix=["raw"],
        group_name=group_name,
        kinds=set(kinds),
        description=asset_description(f"raw.{table}", f"Sources ({len(sources)} files): {listed}"),
        metadata={"source_keys": ", ".join(s.key for s in sources), "licence": ", ".join(licences)},
    )
    def _asset(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
        frames, names, columns = [], [], []
        for source in sources:
            fetched = fetch_logged(source.key, context.log)
            names.append(fetched.file_name)
            frame = parse(fetched)
            if frames and frame.columns != columns:
                raise ValueError(
                    f"raw.{table}: {fetched.path} has columns {frame.columns}, expected "
                    f"{columns} (as in the other files)"
                )
            columns = frame.columns
            lineage = fetched.lineage()
            frames.append(frame.with_columns(pl.lit(v).alias(k) for k, v in lineage.items()))
        stacked = pl.concat(frames, how="vertical_relaxed")
        with warehouse.connect() as con:
            metadata = write_contract_table(con, f"raw.{table}", stacked)
        context.log.info(f"raw.{table}: {stacked.height} rows from {len(sources)} files")
        return dg.MaterializeResult(
            metadata={**metadata, "source_files": ", ".join(names), "files": len(names)}
        )

    return _asset
