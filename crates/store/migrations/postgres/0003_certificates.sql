-- Certificates of the Enforcement Training Program: one per (course, participant) who
-- completed the course, with a short public code for verification and the signed
-- Open Badges 3.0 credential (JSON text). Revocation keeps the row.
create table certificate (
  certificate_id uuid primary key,
  training_course_id uuid not null references training_course (training_course_id),
  participant_id uuid not null references participant (participant_id),
  code text not null,
  issued_at timestamptz not null,
  issued_by uuid references account (account_id),
  revoked_at timestamptz,
  revoked_by uuid references account (account_id),
  revocation_reason text,
  credential text not null,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create unique index certificate_code on certificate (code);
create unique index certificate_pair on certificate (training_course_id, participant_id);
create index certificate_participant on certificate (participant_id);
