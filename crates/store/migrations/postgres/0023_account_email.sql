-- Accounts may carry an e-mail address for case notifications and the language those
-- e-mails are written in (null: the language of the account's country). Same columns as
-- migrations/sqlite/0023_account_email.sql.
alter table account add column email text;
alter table account add column language text check (language in ('en', 'es', 'th'));
