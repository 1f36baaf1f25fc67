-- Completion and certificate thresholds per course: the share of the course's sessions a
-- participant must attend (present or late) to complete it, and the post-test score
-- (percent) a certificate also needs; null means the course has no post-test requirement.
alter table training_course add column attendance_min_percent bigint not null default 100;
alter table training_course add column post_test_min_percent bigint;
