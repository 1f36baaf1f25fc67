-- Results, third part: indicators broken down by sex, age band, role, institution or
-- province, and the parts of a manual value by those dimensions.
-- Same tables and columns as migrations/sqlite/0019_results_disaggregation.sql.

-- The dimensions an indicator is broken down by, as codes separated by commas
-- (`sex,age_band`); empty for none. Fixed once the indicator has values.
alter table indicator add column disaggregations text not null default '';

-- A manual value's parts: so many of its total fall in one category of one dimension.
-- For each dimension that has parts, they add up to the value (checked by the use case).
create table indicator_value_part (
  indicator_value_id uuid not null references indicator_value (indicator_value_id),
  dimension text not null,
  category text not null,
  value bigint not null,
  primary key (indicator_value_id, dimension, category)
);
