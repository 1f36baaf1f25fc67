-- Covering indexes for the results framework's case figures: a country's cases by the
-- day they were identified with their ids, referrals and legal steps by case with the
-- columns the stage and completion tests read, so the figures never read whole rows.
drop index case_record_country;
create index case_record_country on case_record (country_code, identified_on, case_id);
create index case_referral_case_state on case_referral (case_id, state, created_at);
create index case_legal_step_case_kind on case_legal_step (case_id, kind);
