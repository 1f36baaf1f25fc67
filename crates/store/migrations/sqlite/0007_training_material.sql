-- Material attached to the master curriculum (modules, presentations) and, later, to
-- institutions' adaptations: one row per uploaded file. The file itself lives on disk
-- under <data_dir>/material/<training_material_id> (never under the user's file name).
-- owner_id points at the row of the table owner_kind names (checked by the use case,
-- not by a foreign key, since the owner table depends on the kind). Removal keeps the
-- row (removed_at, removed_by) for the audit trail; the file is deleted.
-- Same tables and columns as migrations/postgres/0007_training_material.sql.
create table training_material (
  training_material_id blob primary key,
  owner_kind text not null check (owner_kind in ('module', 'presentation', 'adaptation')),
  owner_id blob not null,
  file_name text not null,
  media_type text not null,
  size_bytes integer not null check (size_bytes > 0),
  sha256 text not null,
  title text,
  description text,
  language text not null,
  uploaded_by blob references account (account_id),
  created_at text not null,
  removed_at text,
  removed_by blob references account (account_id)
) strict;
create index training_material_owner on training_material (owner_kind, owner_id, created_at);
