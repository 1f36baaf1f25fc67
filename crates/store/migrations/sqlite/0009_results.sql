-- Results: each country's gap assessment, its Differentiated Models of Practice (DMPs)
-- with the lifecycle moves that make their timeline, and the country's fact sheet profile.
-- Same tables and columns as migrations/postgres/0009_results.sql.

-- A gap in enforcement or coordination found in a country.
create table gap (
  gap_id blob primary key,
  country_code text not null references country (country_code),
  title text not null,
  description text not null,
  severity text not null,
  evidence_source text not null,
  created_at text not null,
  updated_at text not null,
  version integer not null
) strict;
create index gap_country on gap (country_code);

-- Institutions a gap concerns.
create table gap_institution (
  gap_id blob not null references gap (gap_id),
  institution_id blob not null references institution (institution_id),
  primary key (gap_id, institution_id)
) strict;

-- A Differentiated Model of Practice. `module_code` names the module where its work
-- lives (training, cartography, guide), kept as a code so a module may land later.
create table model (
  model_id blob primary key,
  country_code text not null references country (country_code),
  name text not null,
  summary text not null,
  module_code text not null,
  stage text not null,
  created_at text not null,
  updated_at text not null,
  version integer not null
) strict;
create index model_country on model (country_code);

-- Gaps a model addresses.
create table model_gap (
  model_id blob not null references model (model_id),
  gap_id blob not null references gap (gap_id),
  primary key (model_id, gap_id)
) strict;

-- Partner institutions of a model.
create table model_partner (
  model_id blob not null references model (model_id),
  institution_id blob not null references institution (institution_id),
  primary key (model_id, institution_id)
) strict;

-- Append-only timeline of a model: each lifecycle move with its evidence, when and who
-- (`from_stage` is null for the first entry, when the model was developed).
create table model_move (
  model_move_id blob primary key,
  model_id blob not null references model (model_id),
  from_stage text,
  to_stage text not null,
  evidence text not null,
  moved_by blob references account (account_id),
  moved_at text not null
) strict;
create index model_move_model on model_move (model_id, moved_at);

-- What a country's fact sheet says besides the figures, and whether it is public.
create table country_profile (
  country_code text primary key references country (country_code),
  overview text not null,
  contact text not null,
  funding text not null,
  factsheet_published integer not null,
  updated_at text not null,
  version integer not null
) strict;

-- The results framework of a country: objectives, their outcomes and the outcomes'
-- outputs (a tree: an objective has no parent, an outcome's parent is an objective, an
-- output's an outcome).
create table result_node (
  result_node_id blob primary key,
  country_code text not null references country (country_code),
  parent_id blob references result_node (result_node_id),
  level text not null,
  code text not null,
  title text not null,
  created_at text not null
) strict;
create index result_node_country on result_node (country_code);

-- An indicator of a framework node. `source` is a computation over module data
-- (individuals_trained, …) or `manual` (values entered with evidence).
create table indicator (
  indicator_id blob primary key,
  result_node_id blob not null references result_node (result_node_id),
  title text not null,
  definition text not null,
  unit text not null,
  direction text not null,
  source text not null,
  baseline integer,
  created_at text not null
) strict;
create index indicator_node on indicator (result_node_id);

-- The target of an indicator for one reporting period (a period code such as FY2026-H1).
create table indicator_target (
  indicator_id blob not null references indicator (indicator_id),
  period_code text not null,
  target integer not null,
  updated_at text not null,
  primary key (indicator_id, period_code)
) strict;

-- Manual values of an indicator, append-only: the latest entry of a period counts.
create table indicator_value (
  indicator_value_id blob primary key,
  indicator_id blob not null references indicator (indicator_id),
  period_code text not null,
  value integer not null,
  evidence text not null,
  entered_by blob references account (account_id),
  entered_at text not null
) strict;
create index indicator_value_period on indicator_value (indicator_id, period_code, entered_at);
