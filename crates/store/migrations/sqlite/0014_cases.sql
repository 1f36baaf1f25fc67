-- Cases: identification (screening and classification), persons with sealed identifying
-- data, consent, referrals between institutions with deadlines, the legal track and
-- in-app notifications. Same tables and columns as migrations/postgres/0014_cases.sql.
-- Identifying data lives only in the *_sealed columns (XChaCha20-Poly1305, key outside
-- the database) and as keyed hashes for search before create; never in clear.

create table case_record (
  case_id blob primary key,
  code text not null unique,
  country_code text not null references country (country_code),
  institution_id blob not null references institution (institution_id),
  officer_id blob references account (account_id),
  identified_on text not null,
  area_id blob not null references area (area_id),
  province_id blob references area (area_id),
  sector text not null,
  classes text not null,
  proposed_classes text not null,
  reasons text not null,
  screening text not null,
  override_note text,
  exploitation_types text not null,
  means_of_control text not null,
  perpetrators text not null,
  status text not null check (status in ('open', 'closed')),
  closed_at text,
  identity_erased_at text,
  created_at text not null,
  updated_at text not null,
  version integer not null
) strict;
create index case_record_institution on case_record (institution_id, created_at);
create index case_record_country on case_record (country_code, identified_on);
create index case_record_closed on case_record (status, closed_at);

create table case_person (
  case_person_id blob primary key,
  case_id blob not null references case_record (case_id),
  role text not null,
  age_band text not null,
  sex text not null,
  nationality text not null,
  languages text not null,
  needs text not null,
  name_sealed text,
  document_sealed text,
  contact_sealed text,
  address_sealed text,
  document_hash text,
  name_hash text,
  consent_services integer not null,
  consent_statistics integer not null,
  consent_share text not null,
  best_interest_note text,
  consent_recorded_at text not null,
  consent_recorded_by blob references account (account_id),
  created_at text not null,
  updated_at text not null,
  version integer not null
) strict;
create index case_person_case on case_person (case_id);
create index case_person_document on case_person (document_hash);
create index case_person_name on case_person (name_hash);

create table case_referral (
  case_referral_id blob primary key,
  case_id blob not null references case_record (case_id),
  from_institution_id blob not null references institution (institution_id),
  to_institution_id blob not null references institution (institution_id),
  need text not null,
  state text not null,
  consent_basis text not null,
  override_reason text,
  note text,
  pathway_order integer,
  service_name text,
  due_at text not null,
  decline_reason text,
  sent_by blob references account (account_id),
  answer_minutes integer,
  answered_at text,
  created_at text not null,
  updated_at text not null,
  version integer not null
) strict;
create index case_referral_case on case_referral (case_id);
create index case_referral_to on case_referral (to_institution_id, state, due_at);
create index case_referral_from on case_referral (from_institution_id, state);

create table case_legal_step (
  case_legal_step_id blob primary key,
  case_id blob not null references case_record (case_id),
  kind text not null,
  occurred_on text not null,
  institution_id blob not null references institution (institution_id),
  outcome text,
  penalty_months integer,
  note text,
  recorded_by blob references account (account_id),
  created_at text not null
) strict;
create index case_legal_step_case on case_legal_step (case_id);

create table case_notification (
  case_notification_id blob primary key,
  institution_id blob not null references institution (institution_id),
  case_id blob not null references case_record (case_id),
  case_referral_id blob references case_referral (case_referral_id),
  kind text not null,
  created_at text not null,
  read_at text
) strict;
create index case_notification_institution on case_notification (institution_id, created_at);
