-- Local Implementation Guide, second part: the protocol inventory, the guide documents
-- with their versions and lifecycle, and their review rounds.
-- Same tables and columns as migrations/postgres/0017_guide_documents.sql.

-- A law, decree, protocol or internal policy; `steps` live in guide_protocol_step.
-- Dates are `YYYY-MM-DD` text on both engines.
create table guide_protocol (
  guide_protocol_id blob primary key,
  country_code text not null references country (country_code),
  title text not null,
  issuing_body text not null,
  issued_on text not null,
  kind text not null,
  scope text not null,
  link text,
  status text not null,
  superseded_by blob references guide_protocol (guide_protocol_id),
  created_at text not null,
  updated_at text not null,
  version integer not null
) strict;
create index guide_protocol_country on guide_protocol (country_code, title);

-- The response steps a protocol governs.
create table guide_protocol_step (
  guide_protocol_id blob not null references guide_protocol (guide_protocol_id),
  step text not null,
  primary key (guide_protocol_id, step)
) strict;

-- A guide of one institution for one area. `current_version` is the latest saved
-- version of its text; `version` guards against stale edits.
create table guide_document (
  guide_document_id blob primary key,
  country_code text not null references country (country_code),
  institution_id blob not null references institution (institution_id),
  area_id blob not null references area (area_id),
  title text not null,
  language text not null,
  stage text not null,
  current_version integer not null,
  created_at text not null,
  updated_at text not null,
  version integer not null
) strict;

-- Every save of a guide's text is a version; its sections are numbered 1..n.
create table guide_document_version (
  guide_document_id blob not null references guide_document (guide_document_id),
  version_no integer not null,
  note text not null,
  created_by blob references account (account_id),
  created_at text not null,
  primary key (guide_document_id, version_no)
) strict;

create table guide_document_section (
  guide_document_id blob not null,
  version_no integer not null,
  position integer not null,
  heading text not null,
  body text not null,
  primary key (guide_document_id, version_no, position),
  foreign key (guide_document_id, version_no) references guide_document_version (guide_document_id, version_no)
) strict;

-- Every lifecycle move: who and when, and why when it goes backwards.
create table guide_document_stage (
  guide_document_id blob not null references guide_document (guide_document_id),
  seq integer not null,
  from_stage text not null,
  to_stage text not null,
  reason text not null,
  moved_by blob references account (account_id),
  moved_at text not null,
  primary key (guide_document_id, seq)
) strict;

-- A review round on one version of a guide.
create table guide_review_round (
  guide_review_round_id blob primary key,
  guide_document_id blob not null references guide_document (guide_document_id),
  version_no integer not null,
  deadline text not null,
  status text not null,
  opened_by blob references account (account_id),
  opened_at text not null,
  closed_by blob references account (account_id),
  closed_at text
) strict;
create index guide_review_round_document on guide_review_round (guide_document_id);

-- Who is invited to a round: a user (`kind` = 'user') or a whole institution.
create table guide_review_invite (
  guide_review_round_id blob not null references guide_review_round (guide_review_round_id),
  kind text not null,
  ref_id blob not null,
  primary key (guide_review_round_id, kind, ref_id)
) strict;

-- A reviewer's comment on a section, optionally anchored on a quoted passage.
create table guide_review_comment (
  guide_review_comment_id blob primary key,
  guide_review_round_id blob not null references guide_review_round (guide_review_round_id),
  position integer not null,
  quote text not null,
  body text not null,
  author_id blob references account (account_id),
  created_at text not null,
  resolution text,
  reason text not null,
  resolved_by blob references account (account_id),
  resolved_at text,
  version integer not null
) strict;
create index guide_review_comment_round on guide_review_comment (guide_review_round_id);

-- A consultation meeting held for a round; `institutions` are ids separated by commas.
create table guide_meeting (
  guide_meeting_id blob primary key,
  guide_review_round_id blob not null references guide_review_round (guide_review_round_id),
  held_on text not null,
  institutions text not null,
  minutes text not null,
  decisions text not null,
  created_by blob references account (account_id),
  created_at text not null
) strict;
