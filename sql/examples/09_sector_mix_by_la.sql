-- Question: which sectors (public, third sector, community, academic, private, national body)
-- take part in partnership activity in each local authority, and what share of the authority's
-- activities involve each?
-- Result: one row per local authority and sector, most involved sector first within each
-- authority.
-- expect: columns la_code, la_name_en, sector, activity_count, share_of_la_sector_mentions; rows: >=22
with sectors as (
    select
        s.la_code,
        l.la_name_en,
        s.sector,
        s.activity_count,
    from marts.activity_by_la_sector as s
    left join marts.local_authority_profile as l
        on s.la_code = l.la_code
)

select
    la_code,
    la_name_en,
    sector,
    activity_count,
    round(activity_count / nullif(sum(activity_count) over (partition by la_code), 0), 3)
        as share_of_la_sector_mentions,
from sectors
order by la_code, activity_count desc, sector
