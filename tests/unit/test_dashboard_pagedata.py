"""Unit tests of the site's page-data layer: pure functions on small frames, no shared data,
no browser (seconds)."""

import polars as pl
import pytest
from shapely.geometry import MultiPolygon, box

from dashboards import charts
from dashboards.colours import VIRIDIS, viridis
from dashboards.geo import Area, encode, main_land_bounds
from dashboards.i18n import Translator, rounded
from dashboards.pagedata import (
    Measure,
    classify,
    correlation_cells,
    correlation_columns,
    difference_cell,
    extremes,
    fold,
    outcome_text,
    p_text,
    postcode_shards,
    wales_cell,
)
from pipelines.reference.assets import read_indicator_goals
from tests.unit.test_dashboard import published_translator


@pytest.fixture(params=["en", "cy"])
def t(request):
    """The interface text, with the codes named as the site builder names them."""
    return published_translator(request.param)


def test_summary_names_an_area_only_when_it_alone_holds_the_value(t):
    m = Measure("rate", "Rate", "per 10,000 people", "", "dec1", [0.0, 0.0, 0.0, 12.5, 3.0])
    text = extremes(t, m, ["A", "B", "C", "D", "E"])
    assert "D (12.5)" in text
    assert "A" not in text.replace("areas", "").replace("ardal", "")  # three tied at 0.0
    assert t.fmt("int", 3) in text and "0.0" in text


def test_summary_of_ties_at_both_ends(t):
    m = Measure("d", "Decile", "", "", "int", [1, 1, 10, 10, None])
    text = extremes(t, m, ["A", "B", "C", "D", "E"])
    assert " A " not in f" {text} " and " C " not in f" {text} "
    assert t.fmt("int", 4) in text  # 4 of 5 areas have data


def test_deciles_keep_their_ten_classes_and_missing_values_are_grey():
    t = Translator("en")
    m = Measure(
        "d", "Decile", "", "", "int", [1, 5, 10, None], reverse=True, domain=list(range(1, 11))
    )
    codes, colours, legend = classify(m, t)
    assert codes == "049-"
    assert len(colours) == 10 and legend[-1][1] == "No data"
    # reversed: decile 1 (most deprived) gets the dark end of viridis
    assert colours[0] == viridis(0.05) and colours[-1] == viridis(0.95)


def test_quantile_classes_cover_every_value():
    t = Translator("en")
    values = [float(v) for v in range(100)]
    codes, _, legend = classify(Measure("x", "X", "", "", "dec1", values), t)
    assert set(codes) == set("01234") and len(legend) == 5
    # Bands share no end: each includes its lower end only, the last both ends.
    assert [label for _, label in legend[:2]] == ["0.0 to under 20.0", "20.0 to under 40.0"]
    assert legend[-1][1] == "79.0 to 99.0 inclusive"
    assert codes[19] == "0" and codes[20] == "1" and codes[99] == "4"
    assert classify(Measure("x", "X", "", "", "dec1", values), Translator("cy"))[2][0][1] == (
        "0.0 i lai na 20.0"
    )


def test_viridis_table_is_the_256_entry_map():
    assert len(VIRIDIS) == 256
    assert viridis(0.0) == "#440154" and viridis(1.0) == "#fde725"


@pytest.mark.parametrize(
    ("kind", "value", "en"),
    [
        ("int", 1234, "1,234"),
        ("dec1", 12.25, "12.2"),
        ("dec1", -0.01, "0.0"),
        ("dec2", -1.5, "−1.50"),
        ("pct", 0.1234, "12.3%"),
        ("pct_value", 19.0, "19.0%"),
        ("gbp2", 488.6, "£488.60"),
        ("gbp", None, "No data"),
    ],
)
def test_number_formats(kind, value, en):
    assert Translator("en").fmt(kind, value) == en


def test_browser_gets_the_rounded_value_the_page_shows():
    t = Translator("cy")
    assert rounded("pct", 0.12345) == 12.3
    assert t.js_format("pct") == {"d": 1, "p": "", "s": "%", "g": ",", "x": "."}
    assert t.fmt("int", None) == "Dim data"


def test_postcode_shards_keep_every_candidate_of_a_split_area():
    frame = pl.DataFrame(
        {
            "postcode": ["CF10 1AA", "CF10 1AB", "CF1 5UX", "CF1 5UX"],
            "postcode_district": ["CF10", "CF10", "CF1", "CF1"],
            "lsoa_code": ["W01002019", "W01002019", "W01002020", "W01002021"],
        }
    )
    shards = postcode_shards(frame)
    assert shards["CF10"] == {"l": ["W01002019"], "p": {"1AA": [0], "1AB": [0]}}
    assert shards["CF1"] == {"l": ["W01002020", "W01002021"], "p": {"5UX": [0, 1]}}


def test_fold_matches_welsh_names_without_accents():
    assert fold("Ynys Môn") == "ynys mon"
    assert fold("Tre-garth a Mynydd Llandygái") == "tre-garth a mynydd llandygai"


def test_map_is_fitted_to_the_main_land_not_a_small_island():
    mainland = MultiPolygon([box(-3.3, 51.45, -3.05, 51.56)])
    with_island = MultiPolygon([box(-3.3, 51.45, -3.05, 51.56), box(-3.13, 51.37, -3.12, 51.38)])
    areas = [Area("A", "A", None, with_island), Area("B", "B", None, mainland)]
    (south, west), (north, east) = main_land_bounds(areas)
    assert south == 51.45 and north == 51.56 and west == -3.3 and east == -3.05


def test_boundaries_are_delta_encoded_and_round_trip():
    area = Area("W01", "A", None, MultiPolygon([box(-3.0, 51.0, -2.9, 51.1)]))
    enc = encode([area])
    ring = enc["shapes"][0][0][0]
    x = y = 0
    points = []
    for i in range(0, len(ring), 2):
        x += ring[i]
        y += ring[i + 1]
        points.append((x / enc["scale"], y / enc["scale"]))
    assert set(points) == {(-3.0, 51.0), (-2.9, 51.0), (-2.9, 51.1), (-3.0, 51.1)}
    assert enc["codes"] == ["W01"] and -3.0 < enc["lx"][0] < -2.9


def test_bar_lengths_are_shares_of_the_longest_bar():
    chart = charts.bars("c", "T", "D", [("a", 10, "10"), ("b", 5, "5"), ("c", None, "No data")])
    assert [r["pct"] for r in chart["rows"]] == [100.0, 50.0, 0]


def test_forest_positions_on_minus_one_to_one():
    chart = charts.forest("f", "T", "D", [("g", [("x", 0.0, -0.5, 0.5, "0.00")])])
    row = chart["groups"][0]["rows"][0]
    assert (row["est"], row["lo"], row["hi"]) == (50.0, 25.0, 75.0)


def test_series_chart_positions_values_intervals_and_gaps():
    import datetime as dt

    pts = [
        {
            "label": "2019",
            "start": dt.date(2019, 1, 1),
            "value": 10,
            "lo": 8,
            "hi": 12,
            "wales": 11,
        },
        {
            "label": "2020",
            "start": dt.date(2020, 1, 1),
            "value": None,
            "lo": None,
            "hi": None,
            "wales": 11,
        },
        {
            "label": "2022",
            "start": dt.date(2022, 1, 1),
            "value": 20,
            "lo": 18,
            "hi": 22,
            "wales": None,
        },
        {
            "label": "2023",
            "start": dt.date(2023, 1, 1),
            "value": 15,
            "lo": 13,
            "hi": 17,
            "wales": 12,
        },
    ]
    c = charts.series("s", "Title", pts, lambda v: f"{v:.0f}")
    xs = [d["x"] for d in c["dots"]]
    assert xs[0] == 0 and xs[-1] == 100 and 74 < xs[1] < 76  # 2022 is 3 of the 4 years in
    ys = {d["x"]: d["y"] for d in c["dots"]}
    assert ys[xs[1]] < ys[xs[2]] < ys[xs[0]]  # higher values sit higher (smaller y)
    assert len(c["line"]) == 2  # the missing 2020 breaks the line
    assert len(c["bands"]) == 2 and len(c["wales"]) == 2
    assert c["dots"][-1]["last"] and not c["dots"][0]["last"]
    assert (c["y_top"], c["y_bottom"]) == ("22", "8")  # the range holds every interval
    assert 0 < c["y_top_pos"] < c["y_bottom_pos"] < 100
    assert (c["x_first"], c["x_last"]) == ("2019", "2023")


def test_an_area_with_no_partner_return_shows_not_reported_not_zero():
    """An authority no partner has reported on: the marts keep activity_count 0 (no records
    received) and leave the rates null; the page must not read either as a measured 0."""
    from types import SimpleNamespace

    from dashboards.pagedata import area_figures

    site = SimpleNamespace(years=["2023-24"])
    silent = {
        "population": 69_961,
        "activity_reported": False,
        "activity_count": 0,
        "activity_per_10k": None,
        "funding_gbp": 0.0,
        "funding_per_head_gbp": None,
        "partner_organisation_count": 0,
        "community_support_groups": 12,
    }
    for lang, words in (("en", "Not reported"), ("cy", "Heb ei adrodd")):
        shown = {f["field"]: f["shown"] for f in area_figures(site, Translator(lang), silent)}
        for field in ("activity_count", "activity_per_10k", "funding_gbp", "funding_per_head_gbp"):
            assert shown[field] == words, (lang, field)
        assert shown["community_support_groups"] == "12"  # not a partner return: shown as is
    reported = {**silent, "activity_reported": True, "activity_count": 3}
    shown = {f["field"]: f["shown"] for f in area_figures(site, Translator("en"), reported)}
    assert shown["activity_count"] == "3"


def test_an_unknown_participant_count_is_not_reported_and_a_withheld_one_is_c():
    from dashboards.pagedata import participants_shown

    for lang, words in (("en", "Not reported"), ("cy", "Heb ei adrodd")):
        t = Translator(lang)
        assert participants_shown(t, {"participant_count": None})[0] == words
        withheld = {"participant_count": None, "is_participant_count_suppressed": True}
        assert participants_shown(t, withheld)[0] == "[c]"
        assert participants_shown(t, {"participant_count": 0})[0] == "0"


GDHI_ROW = {
    "outcome_measure": "change",
    "outcome_period_label": "2020 to 2023",
    "time_order": "overlaps",
    "n": 22,
    "spearman_rho": 0.41,
    "ci_lower": -0.02,
    "ci_upper": 0.71,
    "p_value": 0.061,
    "partial_rho": -0.256,
    "partial_ci_lower": -0.62,
    "partial_ci_upper": 0.20,
    "partial_p_value": 0.27,
    "partial_p_holm": 1.0,
    "family_size": 172,
    "stands_out": False,
}


def test_a_correlation_row_shows_what_is_compared_and_both_estimates():
    en, cy = Translator("en"), Translator("cy")
    cells = [shown for shown, _ in correlation_cells(en, GDHI_ROW, "GDHI · All")]
    assert cells[1] == "Change, 2020 to 2023"  # not "2023": the rho is of the change
    assert cells[2] == "Overlaps the activity"
    assert cells[3:7] == ["22", "0.41", "−0.02 – 0.71", "0.061"]
    assert cells[7:12] == ["−0.26", "−0.62 – 0.20", "0.270", "1.000", "No"]
    assert correlation_cells(cy, GDHI_ROW, "x")[1][0] == "Newid, 2020 i 2023"
    level = {**GDHI_ROW, "outcome_measure": "level", "outcome_period_label": "2023"}
    assert outcome_text(en, level) == "Level, 2023"


def test_correlation_headers_name_the_statistic_the_family_and_the_activity_period(t):
    heads = [h for h, _ in correlation_columns(t, GDHI_ROW, "2021-22 to 2025-26")]
    assert len(heads) == len(correlation_cells(t, GDHI_ROW, "x"))
    assert any("Spearman" in h for h in heads) and not any(h.lower() == "rho" for h in heads)
    assert any("Holm" in h and "172" in h for h in heads)
    assert any("2021-22 to 2025-26" in h for h in heads)


def test_a_p_value_below_a_thousandth_is_not_shown_as_zero():
    t = Translator("en")
    assert p_text(t, 0.00002) == "< 0.001"
    assert p_text(t, 0.0496) == "0.050"
    assert p_text(t, None) == t("no_data")


def test_a_missing_wales_value_says_why_in_the_page_language():
    """The reason is the one marts.goal_indicators publishes (there from the reference table's
    own for outdoor 4G coverage, the one indicator with one), in English on an English page and
    in Welsh on a Welsh page; a row without one says only "No data"."""
    ref = read_indicator_goals().filter(pl.col("indicator_code") == "outdoor_4g_coverage_pct")
    reasons = ref.select("no_wales_value_reason", "no_wales_value_reason_cy").row(0)
    row = dict(zip(("wales_value_note", "wales_value_note_cy"), reasons, strict=True))
    en, cy = Translator("en"), Translator("cy")
    assert wales_cell(en, "pct_value", None, row) == (
        (
            "No data: The ONS February 2022 workbook has no Wales row, and a share of geographic "
            "area cannot be combined from authority values without the authorities' land areas."
        ),
        None,
    )
    assert wales_cell(cy, "pct_value", None, row)[0] == (
        "Dim data: Nid oes rhes i Gymru yng ngweithlyfr ONS Chwefror 2022, ac ni ellir cyfuno "
        "cyfran o arwynebedd daearyddol o werthoedd yr awdurdodau heb arwynebeddau tir yr "
        "awdurdodau."
    )
    assert wales_cell(en, "pct_value", None, {}) == ("No data", None)
    assert wales_cell(cy, "pct_value", None, {})[0] == "Dim data"
    assert wales_cell(en, "pct_value", 91.25, row) == ("91.2%", 91.25)


def test_a_difference_from_wales_says_it_is_of_point_estimates(t):
    row = {"difference_from_wales": 1.5, "lower_ci": None, "upper_ci": None}
    shown, key = difference_cell(t, "dec1", row)
    assert key == 1.5 and shown == f"+1.5 ({t('fields.difference_no_interval')})"
    shown, _ = difference_cell(t, "dec1", {**row, "lower_ci": 60.2, "upper_ci": 64.8})
    assert shown.startswith("+1.5 (") and "60.2 – 64.8" in shown
    assert difference_cell(t, "dec1", {"difference_from_wales": None}) == (t("no_data"), None)
