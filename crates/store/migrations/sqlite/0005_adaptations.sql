-- Institutional adaptations of the master curriculum, presentation fields, and the link
-- from a course to its adaptation. Same tables and columns as
-- migrations/postgres/0005_adaptations.sql.

-- Presentations get their own learning objectives, crime types and audiences (stage and
-- language are the module's). Existing presentations start with their module's values.
alter table training_presentation add column objectives text not null default '';
alter table training_presentation add column crime_types text not null default '';
alter table training_presentation add column audiences text not null default '';
update training_presentation set
  objectives = (select m.objectives from training_module m where m.training_module_id = training_presentation.training_module_id),
  crime_types = (select m.crime_types from training_module m where m.training_module_id = training_presentation.training_module_id),
  audiences = (select m.audiences from training_module m where m.training_module_id = training_presentation.training_module_id);

-- Presentations were not versioned in the revision history before: record each one as it
-- stands now, so an adaptation can be compared against the version it took.
insert into training_revision (training_revision_id, entity_type, entity_id, version, snapshot, changed_by, created_at)
select randomblob(16), 'training_presentation', p.training_presentation_id, p.version,
  json_object('training_module_id', lower(hex(p.training_module_id)), 'ordinal', p.ordinal, 'title', p.title,
    'summary', p.summary, 'objectives', p.objectives, 'crime_types', p.crime_types, 'audiences', p.audiences,
    'duration_minutes', p.duration_minutes, 'version', p.version),
  null, p.updated_at
from training_presentation p
where not exists (select 1 from training_revision r where r.entity_type = 'training_presentation'
  and r.entity_id = p.training_presentation_id and r.version = p.version);

-- An institution's adaptation of the master curriculum.
create table training_adaptation (
  training_adaptation_id blob primary key,
  institution_id blob not null references institution (institution_id),
  title text not null,
  framework text,
  stage text not null,
  notes text,
  created_at text not null,
  updated_at text not null,
  version integer not null
) strict;
create index training_adaptation_institution on training_adaptation (institution_id);

-- The master presentations an adaptation uses, in its own order. `presentation_version`
-- is the master version taken; `left_version` the newer master version the coordinator
-- saw and chose not to take (null when none).
create table training_adaptation_item (
  training_adaptation_item_id blob primary key,
  training_adaptation_id blob not null references training_adaptation (training_adaptation_id),
  training_presentation_id blob not null references training_presentation (training_presentation_id),
  ordinal integer not null,
  local_note text,
  presentation_version integer not null,
  left_version integer,
  created_at text not null,
  updated_at text not null
) strict;
create unique index training_adaptation_item_pair on training_adaptation_item (training_adaptation_id, training_presentation_id);
create index training_adaptation_item_presentation on training_adaptation_item (training_presentation_id);

-- Master presentations an adaptation already knows about: those that existed when it was
-- made, and those added to the master later that it took or left. Any other presentation
-- is "new in the master" for it.
create table training_adaptation_known (
  training_adaptation_id blob not null references training_adaptation (training_adaptation_id),
  training_presentation_id blob not null references training_presentation (training_presentation_id),
  created_at text not null,
  primary key (training_adaptation_id, training_presentation_id)
) strict;

alter table training_course add column training_adaptation_id blob references training_adaptation (training_adaptation_id);
create index training_course_adaptation on training_course (training_adaptation_id);
