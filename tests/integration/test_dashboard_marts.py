"""The marts the dashboard needs, on the real data: postcodes on 2021 LSOAs, similar areas,
rates per 10,000 people and the best-fit ward."""


def test_every_welsh_postcode_lands_on_a_2021_lsoa(warehouse):
    total, postcodes, split_rows, split_postcodes, districts = warehouse.execute(
        """
        select count(*), count(distinct postcode), count(*) filter (where is_lsoa_split),
            count(distinct postcode) filter (where is_lsoa_split), count(distinct postcode_district)
        from marts.postcode_lsoa
        """
    ).fetchone()
    assert postcodes == 139_843  # every postcode of the WIMD 2019 lookup
    assert (total, split_rows, split_postcodes, districts) == (143_724, 7_291, 3_410, 224)
    assert warehouse.execute(
        "select count(*) from marts.postcode_lsoa where lsoa_code not in "
        "(select lsoa_code from marts.lsoa_profile)"
    ).fetchone() == (0,)


def test_known_postcodes(warehouse):
    rows = warehouse.execute(
        "select postcode, lsoa_code, la_code, lsoa_change_since_2011, is_lsoa_split "
        "from marts.postcode_lsoa where postcode in ('CF10 1AA', 'CF1 5UX', 'LL55 4UR') "
        "order by 1, 2"
    ).fetchall()
    assert rows == [
        # Cardiff: 2011 LSOA W01001940 split into two 2021 LSOAs; the postcode keeps both
        ("CF1 5UX", "W01002020", "W06000015", "S", True),
        ("CF1 5UX", "W01002021", "W06000015", "S", True),
        # Cathays 12: two 2011 LSOAs merged in 2021
        ("CF10 1AA", "W01002019", "W06000015", "M", False),
        ("LL55 4UR", "W01000081", "W06000002", "U", False),
    ]


def test_similar_areas_five_per_area_of_the_same_level(warehouse):
    assert warehouse.execute(
        "select area_type, count(*), count(distinct area_code) from marts.similar_areas "
        "group by 1 order by 1"
    ).fetchall() == [("local_authority", 110, 22), ("lsoa", 9_585, 1_917)]
    bad = warehouse.execute(
        """
        select count(*) from marts.similar_areas as s
        where s.area_code = s.similar_area_code
            or (s.area_type = 'lsoa' and s.similar_area_code not like 'W01%')
            or (s.area_type = 'local_authority' and s.similar_area_code not like 'W06%')
            or s.distance < coalesce((
                select max(p.distance) from marts.similar_areas as p
                where p.area_type = s.area_type and p.area_code = s.area_code
                    and p.similar_rank < s.similar_rank), 0)
        """
    ).fetchone()[0]
    assert bad == 0


def test_known_similar_areas(warehouse):
    cardiff = warehouse.execute(
        "select similar_area_code, distance from marts.similar_areas "
        "where area_type = 'local_authority' and area_code = 'W06000015' order by similar_rank"
    ).fetchall()
    # Newport, then Swansea, Rhondda Cynon Taf, Merthyr Tydfil, Caerphilly
    assert [c for c, _ in cardiff] == [
        "W06000022",
        "W06000011",
        "W06000016",
        "W06000024",
        "W06000018",
    ]
    assert cardiff[0][1] == 0.3263
    cathays = warehouse.execute(
        "select similar_area_code from marts.similar_areas "
        "where area_type = 'lsoa' and area_code = 'W01002019' and similar_rank = 1"
    ).fetchone()
    assert cathays == ("W01001943",)


def test_rates_are_per_10000_people_in_every_mart(warehouse):
    cols = {
        (t, c)
        for t, c in warehouse.execute(
            "select table_name, column_name from duckdb_columns() where schema_name = 'marts' "
            "and (column_name like '%per_1k' or column_name like '%per_10k')"
        ).fetchall()
    }
    activity_1k = {(t, c) for t, c in cols if c.endswith("_per_1k") and "volunteer" not in c}
    assert activity_1k == set()
    assert ("lsoa_profile", "activity_per_10k") in cols
    assert ("activity_by_wimd_decile", "activity_per_10k") in cols
    deciles = warehouse.execute(
        "select wimd_decile, activity_per_10k from marts.activity_by_wimd_decile "
        "where action_category = 'all' and wimd_decile in (1, 2) order by 1"
    ).fetchall()
    assert deciles == [(1, 17.268), (2, 14.771)]


def test_lsoa_profile_has_its_best_fit_ward(warehouse):
    assert warehouse.execute(
        "select ward_code, ward_name, is_urban from marts.lsoa_profile where lsoa_code = 'W01002019'"
    ).fetchone() == ("W05001274", "Cathays", True)
    assert warehouse.execute(
        "select count(distinct ward_code), count(*) filter (where ward_code is null) "
        "from marts.lsoa_profile"
    ).fetchone() == (752, 0)
