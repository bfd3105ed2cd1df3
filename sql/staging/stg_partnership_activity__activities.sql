-- Partnership activity records, one row per current activity (the latest accepted version of
-- each partner_organisation + activity_id; rows replaced by a corrected submission are left out).
-- partner_key is the partner's identity (partner_organisation normalised; the spelling sent is
-- kept in partner_organisation). Typed and conformed: 2021 LSOA and local authority codes,
-- sectors and well-being goals as
-- varchar[] lists, financial_year (April-March, from start_date). No contact details and no
-- free-text description (the title is kept). is_example_data marks generated example records:
-- they are not evidence and must stay flagged in every mart built on this table.
-- Source: raw.partnership_activity (data_contracts/partnership_activity.yaml).
-- Not sorted: an order by over millions of rows held the whole table in memory (10M rows:
-- ~4 GiB more and ~6 s longer); the marts aggregate it, so row order carries no meaning.
with source as (
    select *
    from raw.partnership_activity
    where is_current
),

renamed as (
    select
        partner_organisation,
        partner_key,
        activity_id,
        is_example_data,
        financial_year,
        la_code,
        lsoa_code,
        action_category,
        activity_type,
        title,
        string_split(sectors, ';')::varchar[] as sectors,
        string_split(wellbeing_goals, ';')::varchar[] as wellbeing_goals,
        participant_count::bigint as participant_count,
        funding_gbp::double as funding_gbp,
        start_date::date as start_date,
        start_date_precision,
        end_date::date as end_date,
        end_date_precision,
        partnership_maturity,
        lsoa_resolved_from,
        submission_file,
        submission_sha256,
        source_row_number,
        loaded_at
    from source
)

select *
from renamed
