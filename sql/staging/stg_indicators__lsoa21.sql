-- Clinical loneliness index by 2021 LSOA, Wales: one row per 2021 LSOA (1,917 rows).
-- Derived from 2022 GP prescribing for conditions where loneliness is a known risk factor,
-- spread from GP practices to LSOAs: a proxy, not an official statistic and not survey-measured
-- loneliness.
-- Source: raw.loneliness_index (British Red Cross / humaniverse "loneliness" package, MIT;
-- prescribing data NHS Wales Shared Services Partnership, Open Government Licence).
with source as (
    select
        lsoa21_code,
        loneliness_zscore,
        rank,
        deciles
    from raw.loneliness_index
),

typed as (
    select
        trim(lsoa21_code) as lsoa_code,
        try_cast(loneliness_zscore as double) as loneliness_zscore,
        cast(round(try_cast(rank as double)) as integer) as loneliness_rank,
        cast(round(try_cast(deciles as double)) as integer) as loneliness_decile,
    from source
    where nullif(trim(lsoa21_code), '') is not null
)

select
    lsoa_code,
    loneliness_zscore,
    loneliness_rank,
    loneliness_decile,
from typed
order by lsoa_code
