"""Welsh names of 2021 LSOAs and health boards, built from the real data: consistent with the
English WIMD 2025 names, from an official source where one exists, the rule flagged per row."""


def test_every_lsoa_has_a_welsh_name_that_matches_its_english_one(warehouse):
    counts = dict(
        warehouse.execute(
            "select lsoa_name_cy_source, count(*) from marts.lsoa_profile group by 1"
        ).fetchall()
    )
    assert counts == {
        "wimd_2019_name": 1507,
        "ons_ward_2025_name": 274,  # 16 of them spelt with the ward's accents
        "wimd_2019_stem": 33,
        "english_name": 103,
    }
    mismatched, code_style, missing = warehouse.execute(
        r"""
        select
            count(*) filter (where coalesce(regexp_extract(lsoa_name_en, '\s(\d+)$', 1), '')
                <> coalesce(regexp_extract(lsoa_name_cy, '\s(\d+)$', 1), '')),
            count(*) filter (where regexp_matches(lsoa_name_cy, '\d{3}[A-Z]$')),
            count(*) filter (where lsoa_name_cy is null or lsoa_name_cy = '')
        from marts.lsoa_profile
        """
    ).fetchone()
    assert (mismatched, code_style, missing) == (0, 0, 0)


def test_known_welsh_lsoa_names(warehouse):
    rows = {
        code: (en, cy, source)
        for code, en, cy, source in warehouse.execute(
            "select lsoa_code, lsoa_name_en, lsoa_name_cy, lsoa_name_cy_source "
            "from marts.lsoa_profile where lsoa_code in "
            "('W01001798', 'W01000003', 'W01002019', 'W01000777', 'W01000739')"
        ).fetchall()
    }
    # Renamed since WIMD 2019 (was 'Llanisien 8'): the 2025 ward's official Welsh name.
    assert rows["W01001798"] == (
        "Lisvane and Thornhill 7",
        "Llys-faen a'r Ddraenen 7",
        "ons_ward_2025_name",
    )
    assert rows["W01000003"] == ("Amlwch Port", "Porth Amlwch", "wimd_2019_name")
    # A merged 2021 LSOA (was Cardiff 032F + 032G): no longer 'Caerdydd 032H'.
    assert rows["W01002019"] == ("Cathays 12", "Cathays 12", "ons_ward_2025_name")
    # WIMD 2019 and the English name drop the accents; the ward's official spelling has them.
    assert rows["W01000777"] == ("Gowerton 1", "Tregŵyr 1", "ons_ward_2025_name")
    assert rows["W01000739"] == ("Bon-y-maen 2", "Bôn-y-maen 2", "ons_ward_2025_name")


def test_health_boards_have_their_official_welsh_names(warehouse):
    names = dict(
        warehouse.execute(
            "select distinct lhb_code, lhb_name_cy from marts.local_authority_profile"
        ).fetchall()
    )
    assert len(names) == 7 and all(n.startswith("Bwrdd Iechyd") for n in names.values())
    assert names["W11000029"] == "Bwrdd Iechyd Prifysgol Caerdydd a'r Fro"
    assert names["W11000024"] == "Bwrdd Iechyd Addysgu Powys"
    lsoa = warehouse.execute(
        "select count(*) from marts.lsoa_profile where lhb_name_cy is null"
    ).fetchone()[0]
    assert lsoa == 0
