-- Social cartography: mapping exercises of an area, their workshops (participant counts
-- by group, never names), the mapped features with their sensitivity, and the actions of
-- the joint action plan with their budgets.
-- Same tables and columns as migrations/sqlite/0015_cartography.sql.

-- A participatory mapping exercise of one area (neighbourhood).
create table cartography_exercise (
  exercise_id uuid primary key,
  country_code text not null references country (country_code),
  area_id uuid not null references area (area_id),
  name text not null,
  purpose text not null,
  starts_on text,
  ends_on text,
  plan_public bigint not null,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  version bigint not null
);
create index cartography_exercise_country on cartography_exercise (country_code);

-- A workshop of an exercise: how many took part by group, and that consent was noted.
create table cartography_workshop (
  workshop_id uuid primary key,
  exercise_id uuid not null references cartography_exercise (exercise_id),
  held_on text not null,
  place text not null,
  residents bigint not null,
  youth bigint not null,
  teachers bigint not null,
  health_workers bigint not null,
  officials bigint not null,
  other bigint not null,
  consent_noted bigint not null,
  created_at timestamptz not null
);
create index cartography_workshop_exercise on cartography_workshop (exercise_id);

-- A mapped feature; `geometry` is a validated GeoJSON geometry object (WGS84).
create table cartography_feature (
  feature_id uuid primary key,
  exercise_id uuid not null references cartography_exercise (exercise_id),
  category text not null,
  dimension text not null,
  geometry text not null,
  description text not null,
  sensitivity text not null,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  version bigint not null
);
create index cartography_feature_exercise on cartography_feature (exercise_id);

-- An action of an exercise's joint action plan; budget in minor units of an ISO 4217
-- currency.
create table cartography_action (
  action_id uuid primary key,
  exercise_id uuid not null references cartography_exercise (exercise_id),
  parent_id uuid references cartography_action (action_id),
  title text not null,
  institution_id uuid not null references institution (institution_id),
  level text not null,
  budget_minor bigint not null,
  currency text not null,
  status text not null,
  progress bigint not null,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  version bigint not null
);
create index cartography_action_exercise on cartography_action (exercise_id);
