-- Enforcement Training Program: master curriculum (modules, presentations, revisions),
-- courses run by institutions (sessions, facilitators), participants, enrolments and
-- attendance. Same tables and columns as migrations/sqlite/0002_training.sql.
-- Dates of sessions and enrolments are 'YYYY-MM-DD' text on both engines.

create table training_module (
  training_module_id uuid primary key,
  ordinal bigint not null,
  title text not null,
  summary text not null,
  objectives text not null,
  stage text not null,
  crime_types text not null,
  audiences text not null,
  duration_minutes bigint not null,
  language text not null,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  version bigint not null
);

create table training_presentation (
  training_presentation_id uuid primary key,
  training_module_id uuid not null references training_module (training_module_id),
  ordinal bigint not null,
  title text not null,
  summary text not null,
  duration_minutes bigint not null,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  version bigint not null
);
create index training_presentation_module on training_presentation (training_module_id, ordinal);

-- Append-only history of master edits: the record as it was saved at each version.
create table training_revision (
  training_revision_id uuid primary key,
  entity_type text not null,
  entity_id uuid not null,
  version bigint not null,
  snapshot text not null,
  changed_by uuid references account (account_id),
  created_at timestamptz not null
);
create unique index training_revision_entity on training_revision (entity_type, entity_id, version);

create table training_course (
  training_course_id uuid primary key,
  institution_id uuid not null references institution (institution_id),
  title text not null,
  framework text,
  stage text not null,
  area_id uuid references area (area_id),
  is_virtual bigint not null,
  capacity bigint not null,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  version bigint not null
);
create index training_course_institution on training_course (institution_id);

create table training_session (
  training_session_id uuid primary key,
  training_course_id uuid not null references training_course (training_course_id),
  held_on text not null,
  place text,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create index training_session_course on training_session (training_course_id, held_on);

create table training_facilitator (
  training_facilitator_id uuid primary key,
  training_course_id uuid not null references training_course (training_course_id),
  account_id uuid not null references account (account_id),
  is_pilot bigint not null,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create unique index training_facilitator_pair on training_facilitator (training_course_id, account_id);
create index training_facilitator_account on training_facilitator (account_id);

-- The raw national id is never stored: only a SHA-256 of its normalised form.
create table participant (
  participant_id uuid primary key,
  full_name text not null,
  sex text not null,
  age_band text not null,
  occupation text not null,
  institution_id uuid not null references institution (institution_id),
  country_code text not null references country (country_code),
  national_id_hash text,
  contact text,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  version bigint not null
);
create unique index participant_national_id on participant (country_code, national_id_hash)
  where national_id_hash is not null;
create index participant_institution on participant (institution_id);

create table enrolment (
  enrolment_id uuid primary key,
  training_course_id uuid not null references training_course (training_course_id),
  participant_id uuid not null references participant (participant_id),
  enrolled_on text not null,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create unique index enrolment_pair on enrolment (training_course_id, participant_id);
create index enrolment_participant on enrolment (participant_id);

create table attendance (
  attendance_id uuid primary key,
  training_session_id uuid not null references training_session (training_session_id),
  participant_id uuid not null references participant (participant_id),
  status text not null,
  taken_by uuid references account (account_id),
  taken_at timestamptz not null,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create unique index attendance_pair on attendance (training_session_id, participant_id);
create index attendance_participant on attendance (participant_id);
