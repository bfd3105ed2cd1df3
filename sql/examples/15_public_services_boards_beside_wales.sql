-- Question: how does each Public Services Board compare with Wales on life satisfaction, latest
-- period, and how was each board's value obtained?
-- Result: the 13 current boards, lowest first, with the Wales value of the same period and the
-- method: a board of one authority takes that authority's published estimate; a board of several
-- is the residents-weighted mean of its authorities' estimates (not itself a survey estimate).
-- expect: columns psb_code, psb_name_en, psb_name_cy, period_label, value, wales_value, difference_from_wales, value_method, la_count; rows: 13
select
    g.area_code as psb_code,
    g.area_name_en as psb_name_en,
    g.area_name_cy as psb_name_cy,
    g.period_label,
    round(g.value, 2) as value,
    g.wales_value,
    round(g.difference_from_wales, 2) as difference_from_wales,
    g.value_method,
    p.la_count,
from marts.goal_indicators as g
inner join marts.public_services_board_profile as p
    on g.area_code = p.psb_code
where g.indicator_code = 'life_satisfaction'
    and g.is_latest
order by g.value, g.area_code
