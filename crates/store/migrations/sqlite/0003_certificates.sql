-- Certificates of the Enforcement Training Program: one per (course, participant) who
-- completed the course, with a short public code for verification and the signed
-- Open Badges 3.0 credential (JSON text). Revocation keeps the row.
create table certificate (
  certificate_id blob primary key,
  training_course_id blob not null references training_course (training_course_id),
  participant_id blob not null references participant (participant_id),
  code text not null,
  issued_at text not null,
  issued_by blob references account (account_id),
  revoked_at text,
  revoked_by blob references account (account_id),
  revocation_reason text,
  credential text not null,
  created_at text not null,
  updated_at text not null
) strict;
create unique index certificate_code on certificate (code);
create unique index certificate_pair on certificate (training_course_id, participant_id);
create index certificate_participant on certificate (participant_id);
