-- Question: which published columns are about deprivation (WIMD), and what do they mean?
-- Result: one row per matching column, from the data dictionary shipped inside the file.
-- expect: columns schema_name, table_name, column_name, data_type, description; rows: >=3
with dictionary as (
    select
        schema_name,
        table_name,
        column_name,
        data_type,
        description,
    from dictionary.columns
)

select
    schema_name,
    table_name,
    column_name,
    data_type,
    description,
from dictionary
where column_name ilike '%wimd%'
    or column_name ilike '%deprived%'
order by schema_name, table_name, column_name
