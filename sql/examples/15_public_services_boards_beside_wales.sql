-- Question: how does each Public Services Board compare with Wales on life satisfaction, latest
-- period, and how was each board's value obtained?
-- Result: the 13 current boards, lowest first, with the Wales value of the same period and the
-- method: a board of one authority takes that authority's published estimate; a board of several
-- is the residents-weighted mean of its authorities' estimates (not itself a survey estimate).
-- expect: columns psb_code, psb_name_en, psb_name_cy, period_label, value, wales_value, difference_from_wales, value_method, la_count; rows: 13
with boards as (
    select
        psb_code,
        la_count,
    from marts.public_services_board_profile
),

life_satisfaction as (
    select
        area_code as psb_code,
        area_name_en as psb_name_en,
        area_name_cy as psb_name_cy,
        period_label,
        value,
        wales_value,
        difference_from_wales,
        value_method,
    from marts.goal_indicators
    where indicator_code = 'life_satisfaction'
        and area_type = 'public_services_board'
        and is_latest
)

select
    l.psb_code,
    l.psb_name_en,
    l.psb_name_cy,
    l.period_label,
    round(l.value, 2) as value,
    l.wales_value,
    round(l.difference_from_wales, 2) as difference_from_wales,
    l.value_method,
    b.la_count,
from life_satisfaction as l
inner join boards as b using (psb_code)
order by l.value, l.psb_code
