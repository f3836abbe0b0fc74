-- The date of the open supervision order (督办) of a case, derived from its events, for the
-- supervisor's list. SQLite.
ALTER TABLE cases ADD COLUMN supervised_on TEXT;
CREATE INDEX cases_supervised_on ON cases(supervised_on);
