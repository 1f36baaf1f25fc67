-- Foundation: directory, accounts, sessions, API tokens, the audit chain and the job queue.
-- Keys are UUIDv7 made by the application (BLOB here, uuid on PostgreSQL); timestamps are
-- UTC, bound from the application's clock (TEXT here, timestamptz on PostgreSQL).

create table country (
  country_code text primary key
) strict;

insert into country (country_code) values ('AR'), ('LR'), ('PY'), ('TH');

create table area (
  area_id blob primary key,
  country_code text not null references country (country_code),
  parent_id blob references area (area_id),
  level text not null,
  name text not null,
  code text,
  boundary text,
  created_at text not null,
  updated_at text not null,
  version integer not null
) strict;
create index area_country_level on area (country_code, level);
create index area_parent on area (parent_id);

create table institution (
  institution_id blob primary key,
  country_code text not null references country (country_code),
  name text not null,
  acronym text not null,
  kind text not null,
  level text not null,
  area_id blob references area (area_id),
  created_at text not null,
  updated_at text not null,
  version integer not null
) strict;
-- Backstops for the duplicate checks the application makes with a friendly message.
create unique index institution_acronym_unique on institution (country_code, lower(acronym));
create unique index institution_name_unique on institution (country_code, lower(name));

create table account (
  account_id blob primary key,
  username text not null unique,
  display_name text not null,
  role text not null,
  institution_id blob not null references institution (institution_id),
  password_hash text not null,
  totp_secret text,
  totp_pending_secret text,
  totp_last_step integer,
  failed_count integer not null,
  failed_window_start text,
  locked_until text,
  disabled_at text,
  created_at text not null,
  updated_at text not null,
  version integer not null
) strict;
create index account_institution on account (institution_id);

-- The cookie carries a random token; only its SHA-256 is stored, so a copy of the
-- database does not hand out live sessions.
create table session (
  session_id text primary key,
  account_id blob not null references account (account_id),
  stage text not null,
  created_at text not null,
  last_seen_at text not null,
  expires_at text not null
) strict;
create index session_account on session (account_id);

create table api_token (
  api_token_id blob primary key,
  account_id blob not null references account (account_id),
  token_hash text not null unique,
  created_at text not null,
  expires_at text not null,
  last_used_at text,
  revoked_at text
) strict;
create index api_token_account on api_token (account_id);

create table audit_event (
  seq integer primary key,
  audit_event_id blob not null unique,
  occurred_at text not null,
  actor_user_id blob,
  actor_username text not null,
  action text not null,
  entity_type text not null,
  entity_id text not null,
  summary text not null,
  prev_hash text not null,
  hash text not null
) strict;
create index audit_event_action on audit_event (action);
create index audit_event_entity on audit_event (entity_type, entity_id);
create index audit_event_actor on audit_event (actor_user_id);

-- Append-only: no code path may rewrite history.
create trigger audit_event_no_update before update on audit_event
begin
  select raise(abort, 'audit_event is append-only');
end;
create trigger audit_event_no_delete before delete on audit_event
begin
  select raise(abort, 'audit_event is append-only');
end;

create table job (
  job_id blob primary key,
  kind text not null,
  payload text not null,
  run_at text not null,
  attempts integer not null,
  locked_until text,
  done_at text,
  last_error text,
  created_at text not null
) strict;
create index job_due on job (done_at, run_at);
