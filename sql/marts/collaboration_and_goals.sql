-- How does collaboration activity sit beside the goal indicators across local authorities?
-- One row per indicator and action category ('shared_purpose', 'governance',
-- 'financial_mechanism', 'all'): the Spearman rank correlation across local authorities between
-- activity per 10,000 people and the indicator's value (latest period).
-- Columns: indicator_code, indicator_name_en, indicator_name_cy, polarity, wellbeing_goals,
-- action_category, n (local authorities with both values), spearman_rho (-1 to 1), ci_lower and
-- ci_upper (95 % confidence interval: Fisher z-transformation with the Fieller, Hartley and
-- Pearson (1957) standard error sqrt(1.06 / (n - 3))), ci_excludes_zero, caveat_en, caveat_cy,
-- is_example_data.
-- Ties get average ranks, so rho is the Pearson correlation of the ranks (the textbook Spearman).
-- Only authorities with reported activity (marts.local_authority_profile.activity_reported) take
-- part: an authority no partner has reported on is unknown, not an authority with no activity.
-- A correlation needs more than 3 such authorities and some spread in activity; otherwise the
-- indicator and category have no row.
-- This is an association across at most 22 areas, not evidence that activity causes the outcome.
with activity as (
    select
        la_code,
        unnest(['shared_purpose', 'governance', 'financial_mechanism', 'all']) as action_category,
        unnest([shared_purpose_per_10k, governance_per_10k, financial_mechanism_per_10k, activity_per_10k])
            as activity_per_10k,
        is_example_data,
    from marts.local_authority_profile
    where activity_reported
),

latest_period as (
    select
        indicator_code,
        max(period) as period,
    from marts.goal_indicators
    where area_type = 'local_authority'
    group by indicator_code
),

indicator_values as (
    select
        goal_indicators.area_code as la_code,
        goal_indicators.indicator_code,
        goal_indicators.value,
    from marts.goal_indicators as goal_indicators
    inner join latest_period using (indicator_code, period)
    where goal_indicators.area_type = 'local_authority'
),

pairs as (
    select
        indicator_values.indicator_code,
        activity.action_category,
        activity.activity_per_10k,
        indicator_values.value,
        activity.is_example_data,
    from indicator_values
    inner join activity using (la_code)
    where activity.activity_per_10k is not null
        and indicator_values.value is not null
),

ranked as (
    select
        indicator_code,
        action_category,
        is_example_data,
        rank() over (partition by indicator_code, action_category order by activity_per_10k)
            + (count(*) over (partition by indicator_code, action_category, activity_per_10k) - 1) / 2.0
            as activity_rank,
        rank() over (partition by indicator_code, action_category order by value)
            + (count(*) over (partition by indicator_code, action_category, value) - 1) / 2.0
            as value_rank,
    from pairs
),

correlations as (
    select
        indicator_code,
        action_category,
        count(*) as n,
        corr(activity_rank, value_rank) as spearman_rho,
        bool_or(is_example_data) as is_example_data,
    from ranked
    group by indicator_code, action_category
),

intervals as (
    select
        *,
        atanh(greatest(least(spearman_rho, 0.999999), -0.999999)) as fisher_z,
        sqrt(1.06 / (n - 3)) as standard_error,
    from correlations
    where n > 3 and spearman_rho is not null and not isnan(spearman_rho)
),

catalogue as (
    select * from reference.indicator_goals
)

select
    intervals.indicator_code,
    catalogue.indicator_name_en,
    catalogue.indicator_name_cy,
    catalogue.polarity,
    catalogue.wellbeing_goals,
    intervals.action_category,
    intervals.n,
    round(intervals.spearman_rho, 4) as spearman_rho,
    round(tanh(intervals.fisher_z - 1.959964 * intervals.standard_error), 4) as ci_lower,
    round(tanh(intervals.fisher_z + 1.959964 * intervals.standard_error), 4) as ci_upper,
    (tanh(intervals.fisher_z - 1.959964 * intervals.standard_error) > 0
        or tanh(intervals.fisher_z + 1.959964 * intervals.standard_error) < 0) as ci_excludes_zero,
    'An association across ' || intervals.n || ' local authorities, not evidence that activity causes '
        || 'the outcome: areas differ in many ways, activity may follow need, and with so few areas the '
        || 'interval is wide.'
        || case when intervals.is_example_data then ' Activity figures are EXAMPLE data, not real partner records.' else '' end
        as caveat_en,
    'Cysylltiad ar draws ' || intervals.n || ' awdurdod lleol, nid tystiolaeth bod y gweithgarwch yn '
        || 'achosi''r canlyniad: mae ardaloedd yn wahanol mewn sawl ffordd, gall gweithgarwch ddilyn angen, '
        || 'a chyda chyn lleied o ardaloedd mae''r cyfwng yn llydan.'
        || case when intervals.is_example_data then ' Data ENGHREIFFTIOL yw ffigurau''r gweithgarwch, nid cofnodion partneriaid go iawn.' else '' end
        as caveat_cy,
    intervals.is_example_data,
from intervals
inner join catalogue using (indicator_code)
order by intervals.indicator_code, intervals.action_category
