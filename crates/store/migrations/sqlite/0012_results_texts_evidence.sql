-- Results, second part: the language of each model's and fact sheet profile's own text,
-- their translations into the other interface languages (per field: an empty field
-- falls back to the own text), and the file that may back a lifecycle move's evidence.
-- Same tables and columns as migrations/postgres/0012_results_texts_evidence.sql.

alter table model add column text_lang text not null default 'en';
alter table country_profile add column text_lang text not null default 'en';

-- Framework nodes and indicators become editable: the version an edit was made on.
alter table result_node add column version integer not null default 1;
alter table indicator add column version integer not null default 1;

-- A model's name and summary in another language.
create table model_text (
  model_id blob not null references model (model_id),
  lang text not null,
  name text not null,
  summary text not null,
  primary key (model_id, lang)
) strict;

-- A fact sheet profile's text in another language.
create table country_profile_text (
  country_code text not null references country (country_code),
  lang text not null,
  overview text not null,
  contact text not null,
  funding text not null,
  primary key (country_code, lang)
) strict;

-- The file backing a lifecycle move's evidence (pilot report, evaluation findings), at
-- most one per move, stored under <data_dir>/evidence/<model_move_id>. Append-only like
-- the timeline it belongs to.
create table model_move_file (
  model_move_id blob primary key references model_move (model_move_id),
  file_name text not null,
  media_type text not null,
  size_bytes integer not null check (size_bytes > 0),
  sha256 text not null
) strict;
