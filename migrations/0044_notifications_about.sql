-- A notification belongs to a person, not to a government: the government it is about is not its owner,
-- and a column named lg_code marks a tenant-owned row (which must have forced row-level security). Named
-- for what it is.
ALTER TABLE notifications RENAME COLUMN lg_code TO about_lg_code;
