-- Covering indexes for the results framework's case figures: a country's cases by the
-- day they were identified with their ids, referrals and legal steps by case with the
-- columns the stage and completion tests read, so the figures never read whole rows.
drop index case_record_country;
create index case_record_country on case_record (country_code, identified_on, case_id);
create index case_referral_case_state on case_referral (case_id, state, created_at);
create index case_legal_step_case_kind on case_legal_step (case_id, kind);
-- A referral carries its case's country (a case never changes country), so referrals
-- made and completed in a period are one index range, not a join per referral.
alter table case_referral add column country_code text references country (country_code);
update case_referral set country_code = (select k.country_code from case_record k where k.case_id = case_referral.case_id);
create index case_referral_country on case_referral (country_code, created_at, state);
