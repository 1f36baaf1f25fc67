-- Social cartography: mapping exercises of an area, their workshops (participant counts
-- by group, never names), the mapped features with their sensitivity, and the actions of
-- the joint action plan with their budgets.
-- Same tables and columns as migrations/postgres/0015_cartography.sql.

-- A participatory mapping exercise of one area (neighbourhood).
create table cartography_exercise (
  exercise_id blob primary key,
  country_code text not null references country (country_code),
  area_id blob not null references area (area_id),
  name text not null,
  purpose text not null,
  starts_on text,
  ends_on text,
  plan_public integer not null,
  created_at text not null,
  updated_at text not null,
  version integer not null
) strict;
create index cartography_exercise_country on cartography_exercise (country_code);

-- A workshop of an exercise: how many took part by group, and that consent was noted.
create table cartography_workshop (
  workshop_id blob primary key,
  exercise_id blob not null references cartography_exercise (exercise_id),
  held_on text not null,
  place text not null,
  residents integer not null,
  youth integer not null,
  teachers integer not null,
  health_workers integer not null,
  officials integer not null,
  other integer not null,
  consent_noted integer not null,
  created_at text not null
) strict;
create index cartography_workshop_exercise on cartography_workshop (exercise_id);

-- A mapped feature; `geometry` is a validated GeoJSON geometry object (WGS84).
create table cartography_feature (
  feature_id blob primary key,
  exercise_id blob not null references cartography_exercise (exercise_id),
  category text not null,
  dimension text not null,
  geometry text not null,
  description text not null,
  sensitivity text not null,
  created_at text not null,
  updated_at text not null,
  version integer not null
) strict;
create index cartography_feature_exercise on cartography_feature (exercise_id);

-- An action of an exercise's joint action plan; budget in minor units of an ISO 4217
-- currency.
create table cartography_action (
  action_id blob primary key,
  exercise_id blob not null references cartography_exercise (exercise_id),
  parent_id blob references cartography_action (action_id),
  title text not null,
  institution_id blob not null references institution (institution_id),
  level text not null,
  budget_minor integer not null,
  currency text not null,
  status text not null,
  progress integer not null,
  created_at text not null,
  updated_at text not null,
  version integer not null
) strict;
create index cartography_action_exercise on cartography_action (exercise_id);
