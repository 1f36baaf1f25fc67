-- Indexes for the cases pages at scale. Same as migrations/sqlite/0024_cases_indexes.sql.
-- "Awaiting my action": each awaiting state of a receiving institution is one range read
-- in deadline order (the id breaks ties), so the page reads no more than it shows.
drop index case_referral_to;
create index case_referral_to_due on case_referral (to_institution_id, state, due_at, case_referral_id);
-- Statistics: referrals by state per country, sentences by outcome and victims by sex and
-- age band read from covering indexes rather than the tables.
create index case_referral_stats on case_referral (country_code, state, answer_minutes);
create index case_legal_step_kind on case_legal_step (kind, outcome, case_id);
create index case_person_victims on case_person (role, case_id, sex, age_band);
