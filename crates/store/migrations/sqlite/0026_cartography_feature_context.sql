-- What a mapped feature says beyond its place: the workshop that mapped it (one of the
-- same exercise, checked by the use case), when it matters (comma list of time codes)
-- and its vulnerability tags (JSON array of {"crime":"CL|FL|HT","risk":"..."}).
-- Same columns as migrations/postgres/0026_cartography_feature_context.sql.
alter table cartography_feature add column workshop_id blob references cartography_workshop (workshop_id);
alter table cartography_feature add column times text not null default '';
alter table cartography_feature add column vulnerabilities text not null default '[]';
