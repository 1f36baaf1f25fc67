-- Social cartography, second part: what the joint action plan needs beyond 0015 — the
-- finding and mapped feature an action answers, its dates, and its updates over time.
-- Same tables and columns as migrations/postgres/0016_cartography_plan.sql.

alter table cartography_action add column finding text not null default '';
alter table cartography_action add column feature_id blob references cartography_feature (feature_id);
alter table cartography_action add column starts_on text;
alter table cartography_action add column due_on text;

-- An update of an action: the status and progress reported, with a note, by whom.
create table cartography_action_update (
  update_id blob primary key,
  action_id blob not null references cartography_action (action_id),
  status text not null,
  progress integer not null,
  note text not null,
  account_id blob references account (account_id),
  created_at text not null
) strict;
create index cartography_action_update_action on cartography_action_update (action_id);
