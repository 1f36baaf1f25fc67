-- Local Implementation Guide, first part: the service directory (shaped after Open
-- Referral HSDS) and the referral pathways per area and victim need.
-- Same tables and columns as migrations/postgres/0013_guide.sql.

-- A service someone can be referred to. It belongs to a directory institution or, for
-- providers outside the directory (a hospital, a shelter), to a named organisation.
-- `languages` holds ISO 639-1 codes separated by commas.
create table guide_service (
  guide_service_id blob primary key,
  country_code text not null references country (country_code),
  institution_id blob references institution (institution_id),
  organization text,
  name text not null,
  description text not null,
  area_id blob references area (area_id),
  address text not null,
  hours text not null,
  phone text,
  email text,
  intake_criteria text not null,
  cost text not null,
  languages text not null,
  referral_method text not null,
  next_step text not null,
  created_at text not null,
  updated_at text not null,
  version integer not null,
  check (institution_id is not null or organization is not null)
) strict;
create index guide_service_country on guide_service (country_code, name);

-- The pathway for one need in one area (a province, municipality or barrio); a
-- lookup walks up the area hierarchy to the nearest published one.
create table guide_pathway (
  guide_pathway_id blob primary key,
  country_code text not null references country (country_code),
  area_id blob not null references area (area_id),
  need text not null,
  status text not null,
  created_at text not null,
  updated_at text not null,
  version integer not null,
  unique (area_id, need)
) strict;

-- The ordered steps of a pathway (1..n); replaced as a whole when the pathway is saved.
create table guide_pathway_step (
  guide_pathway_id blob not null references guide_pathway (guide_pathway_id),
  step_order integer not null,
  guide_service_id blob not null references guide_service (guide_service_id),
  max_response_hours integer not null,
  bring text not null,
  consent_required integer not null,
  primary key (guide_pathway_id, step_order)
) strict;
create index guide_pathway_step_service on guide_pathway_step (guide_service_id);

-- Per-area settings of the guide: whether the "who to call" page is public.
create table guide_area (
  area_id blob primary key references area (area_id),
  public_page integer not null,
  updated_at text not null,
  version integer not null
) strict;
