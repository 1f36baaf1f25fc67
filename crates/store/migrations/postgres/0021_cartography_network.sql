-- Social cartography, actor network: the actors of an exercise (institutions of the
-- directory, community organisations, informal groups, roles — never a private person)
-- and the relationships between them.
-- Same tables and columns as migrations/sqlite/0021_cartography_network.sql.

create table cartography_actor (
  actor_id uuid primary key,
  exercise_id uuid not null references cartography_exercise (exercise_id),
  kind text not null,
  institution_id uuid references institution (institution_id),
  label text not null,
  dimension text,
  note text not null,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  version bigint not null
);
create index cartography_actor_exercise on cartography_actor (exercise_id);

-- A relationship between two actors of the same exercise; `direction` is `directed`
-- (from → to) or `mutual`.
create table cartography_relationship (
  relationship_id uuid primary key,
  exercise_id uuid not null references cartography_exercise (exercise_id),
  from_actor_id uuid not null references cartography_actor (actor_id),
  to_actor_id uuid not null references cartography_actor (actor_id),
  kind text not null,
  strength bigint not null,
  direction text not null,
  note text not null,
  created_at timestamptz not null
);
create index cartography_relationship_exercise on cartography_relationship (exercise_id);
create index cartography_relationship_from on cartography_relationship (from_actor_id);
create index cartography_relationship_to on cartography_relationship (to_actor_id);
