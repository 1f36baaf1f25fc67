-- Knowledge tests of the Enforcement Training Program: a bank of single-choice questions
-- per master module (edits bump `version` and keep a `training_revision` snapshot), the
-- questions a course's pre-test and post-test use, one score per (course, participant,
-- kind), and the one-use links participants take a test through (only the SHA-256 of
-- the link token is stored).
create table training_question (
  training_question_id uuid primary key,
  training_module_id uuid not null references training_module (training_module_id),
  prompt text not null,
  -- JSON array of 2 to 6 option texts.
  options text not null,
  -- 0-based index into `options`.
  correct_index bigint not null,
  is_active bigint not null default 1,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  version bigint not null default 1
);
create index training_question_module on training_question (training_module_id);

create table training_test_question (
  training_course_id uuid not null references training_course (training_course_id),
  -- `pre` or `post`.
  kind text not null,
  training_question_id uuid not null references training_question (training_question_id),
  ordinal bigint not null,
  created_at timestamptz not null,
  primary key (training_course_id, kind, training_question_id)
);

create table test_score (
  test_score_id uuid primary key,
  training_course_id uuid not null references training_course (training_course_id),
  participant_id uuid not null references participant (participant_id),
  kind text not null,
  -- Percent, 0 to 100.
  score bigint not null,
  -- `page` (taken through a link) or `entered` (typed in from a paper test).
  source text not null,
  recorded_by uuid references account (account_id),
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create unique index test_score_pair on test_score (training_course_id, participant_id, kind);

create table test_link (
  test_link_id uuid primary key,
  training_course_id uuid not null references training_course (training_course_id),
  participant_id uuid not null references participant (participant_id),
  kind text not null,
  token_hash text not null,
  used_at timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create unique index test_link_token on test_link (token_hash);
create unique index test_link_pair on test_link (training_course_id, participant_id, kind);
