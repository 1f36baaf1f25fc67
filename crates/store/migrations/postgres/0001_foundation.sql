-- Foundation: directory, accounts, sessions, API tokens, the audit chain and the job queue.
-- Same tables and columns as migrations/sqlite/0001_foundation.sql (a test checks it).

create table country (
  country_code text primary key
);

insert into country (country_code) values ('AR'), ('LR'), ('PY'), ('TH');

create table area (
  area_id uuid primary key,
  country_code text not null references country (country_code),
  parent_id uuid references area (area_id),
  level text not null,
  name text not null,
  code text,
  boundary text,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  version bigint not null
);
create index area_country_level on area (country_code, level);
create index area_parent on area (parent_id);

create table institution (
  institution_id uuid primary key,
  country_code text not null references country (country_code),
  name text not null,
  acronym text not null,
  kind text not null,
  level text not null,
  area_id uuid references area (area_id),
  created_at timestamptz not null,
  updated_at timestamptz not null,
  version bigint not null
);
create unique index institution_acronym_unique on institution (country_code, lower(acronym));
create unique index institution_name_unique on institution (country_code, lower(name));

create table account (
  account_id uuid primary key,
  username text not null unique,
  display_name text not null,
  role text not null,
  institution_id uuid not null references institution (institution_id),
  password_hash text not null,
  totp_secret text,
  totp_pending_secret text,
  totp_last_step bigint,
  failed_count bigint not null,
  failed_window_start timestamptz,
  locked_until timestamptz,
  disabled_at timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  version bigint not null
);
create index account_institution on account (institution_id);

create table session (
  session_id text primary key,
  account_id uuid not null references account (account_id),
  stage text not null,
  created_at timestamptz not null,
  last_seen_at timestamptz not null,
  expires_at timestamptz not null
);
create index session_account on session (account_id);

create table api_token (
  api_token_id uuid primary key,
  account_id uuid not null references account (account_id),
  token_hash text not null unique,
  created_at timestamptz not null,
  expires_at timestamptz not null,
  last_used_at timestamptz,
  revoked_at timestamptz
);
create index api_token_account on api_token (account_id);

create table audit_event (
  seq bigint primary key,
  audit_event_id uuid not null unique,
  occurred_at timestamptz not null,
  actor_user_id uuid,
  actor_username text not null,
  action text not null,
  entity_type text not null,
  entity_id text not null,
  summary text not null,
  prev_hash text not null,
  hash text not null
);
create index audit_event_action on audit_event (action);
create index audit_event_entity on audit_event (entity_type, entity_id);
create index audit_event_actor on audit_event (actor_user_id);

-- Append-only: no code path may rewrite history.
create function audit_event_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'audit_event is append-only';
end
$$;
create trigger audit_event_no_change before update or delete on audit_event
  for each row execute function audit_event_append_only();
create trigger audit_event_no_truncate before truncate on audit_event
  for each statement execute function audit_event_append_only();

create table job (
  job_id uuid primary key,
  kind text not null,
  payload text not null,
  run_at timestamptz not null,
  attempts bigint not null,
  locked_until timestamptz,
  done_at timestamptz,
  last_error text,
  created_at timestamptz not null
);
create index job_due on job (done_at, run_at);
