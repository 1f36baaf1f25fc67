-- Where an institutionalised guide is used: a training course that uses one of its
-- sections. Same as migrations/sqlite/0025_guide_use.sql.
-- The section is named by its position in the guide's text and its heading at the time
-- the use was recorded (a final guide's text is locked, but a guide moved back may be
-- edited again; the stored heading keeps the record readable).
create table guide_use (
  guide_use_id uuid primary key,
  guide_document_id uuid not null references guide_document (guide_document_id),
  section_position bigint not null,
  section_title text not null,
  training_course_id uuid not null references training_course (training_course_id),
  note text not null,
  created_by uuid references account (account_id),
  created_at timestamptz not null
);
create unique index guide_use_triple on guide_use (guide_document_id, section_position, training_course_id);
create index guide_use_course on guide_use (training_course_id);
