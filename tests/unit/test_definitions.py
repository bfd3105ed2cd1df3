"""The code location loads, and every asset says what it is."""

from pipelines.definitions import build_definitions


def test_definitions_load_with_groups_and_descriptions():
    defs = build_definitions()
    graph = defs.resolve_asset_graph()
    keys = graph.get_all_asset_keys()
    names = {k.to_user_string() for k in keys}
    for expected in [
        "raw/wimd_2025_ranks",
        "staging/stg_geography__lsoa21",
        "marts/lsoa_profile",
        "marts/local_authority_profile",
        "marts/goal_indicators",
        "marts/activity_by_wimd_decile",
        "marts/collaboration_and_goals",
        "marts/public_services_board_profile",
        "marts/health_board_profile",
        "marts/msoa_profile",
        "reference/areas",
        "reference/national_indicators",
        "raw/ons_local_statistics",
        "raw/census2021_welsh_language",
    ]:
        assert expected in names
    for key in keys:
        node = graph.get(key)
        if not node.is_executable:
            continue
        assert node.group_name and node.group_name != "default", key
        assert node.description and len(node.description) > 40, key


def test_sql_models_depend_on_what_they_read():
    defs = build_definitions()
    graph = defs.resolve_asset_graph()
    from dagster import AssetKey

    parents = graph.get(AssetKey(["marts", "lsoa_profile"])).parent_keys
    assert AssetKey(["staging", "stg_wimd__wimd_2025"]) in parents
    assert AssetKey(["staging", "stg_partnership_activity__activities"]) in parents


def test_every_contract_is_enforced_including_partner_tables():
    from dagster import AssetCheckKey, AssetKey

    defs = build_definitions()
    check_keys = defs.resolve_asset_graph().asset_check_keys
    for key, name in [
        (["raw", "partnership_activity"], "contract_partnership_activity"),
        (["quality", "quarantine"], "contract_quarantine"),
        (["quality", "submissions"], "contract_submissions"),
    ]:
        assert AssetCheckKey(AssetKey(key), name) in check_keys


def test_every_domain_assets_module_is_in_the_code_location():
    """A new dataset folder's assets module must be listed in DOMAIN_MODULES (or its assets would
    silently be missing from Dagster and from `make run`)."""
    from pipelines.definitions import DOMAIN_MODULES
    from pipelines.settings import PROJECT_ROOT

    on_disk = {
        ".".join(path.relative_to(PROJECT_ROOT).with_suffix("").parts)
        for path in (PROJECT_ROOT / "pipelines").glob("*/assets.py")
    }
    assert len(on_disk) == 18
    assert {module.__name__ for module in DOMAIN_MODULES} == on_disk


def test_every_dependency_of_every_sql_asset_is_a_real_asset():
    """A dependency read from a model's SQL is an asset some module defines, never a key made
    up from a qualified column (goal_indicators reads ``reference.aggregation``, a CTE's column,
    which once made a phantom asset ``reference/aggregation``)."""
    from dagster import AssetKey

    from pipelines.transform.assets import sql_model_assets

    graph = build_definitions().resolve_asset_graph()
    real = {key for key in graph.get_all_asset_keys() if graph.get(key).is_executable}
    deps = {dep for asset in sql_model_assets for dep in graph.get(asset.key).parent_keys}
    assert len(deps) == 48  # distinct tables the SQL models read today
    assert deps - real == set()
    assert AssetKey(["reference", "aggregation"]) not in graph.get_all_asset_keys()
    # and no asset of the whole location depends on a key nothing defines
    phantoms = {key for key in graph.get_all_asset_keys() if not graph.get(key).is_executable}
    assert phantoms == set()
