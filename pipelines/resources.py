"""Dagster resources, configured from the environment at run time (see ``pipelines.settings``)."""

from pipelines.warehouse import Warehouse


def default_resources() -> dict[str, object]:
    """The resources every asset may ask for, with their default configuration."""
    return {"warehouse": Warehouse()}
