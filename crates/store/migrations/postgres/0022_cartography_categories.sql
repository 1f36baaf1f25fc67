-- Categories an exercise adds to the default set of its map: code, allowed geometry,
-- dimension, colour, labels in English, Spanish and Thai, and its own icon (SVG
-- sanitised before it is written).
-- Same table and columns as migrations/sqlite/0022_cartography_categories.sql.
create table cartography_category (
  category_id uuid primary key,
  exercise_id uuid not null references cartography_exercise (exercise_id),
  code text not null,
  kind text not null,
  dimension text not null,
  colour text not null,
  label_en text not null,
  label_es text not null,
  label_th text not null,
  icon text not null,
  created_at timestamptz not null,
  unique (exercise_id, code)
);
