-- Premium renewal (DOMAIN §3, L5866–5869, L5911): the nightly run judges premium registrations a month
-- before and at their expiry, renews or returns them to basic, and keeps the long-stay mark current.
-- See docs/decisions/0013-premium-renewal.md.

-- The expiry (premium_valid_until) for which the run already did its "one month before" step: the
-- reminder notice (automatic mode) or the renewal application in the staff queue (manual mode). The
-- step is due while this differs from premium_valid_until, so a renewal (new expiry) arms it again
-- for next year and a re-run the same night finds it done.
ALTER TABLE registrations ADD COLUMN premium_reminded_for timestamptz;

-- The expiry a renewal application extends: an approval sets premium_valid_until to this plus one
-- year, whenever it is decided. One renewal application per registration and expiry.
ALTER TABLE premium_applications ADD COLUMN renews_until timestamptz;
ALTER TABLE premium_applications
  ADD CONSTRAINT premium_applications_renews_until_check CHECK ((kind = 'renewal') = (renews_until IS NOT NULL));
CREATE UNIQUE INDEX premium_applications_renewal_idx ON premium_applications (lg_code, registration_id, renews_until)
  WHERE kind = 'renewal';

-- The nightly run walks the active premium registrations of a government in id order; without this
-- index it would read every basic registration too (97 % of the rows).
CREATE INDEX registrations_premium_idx ON registrations (lg_code, id) WHERE status = 'active' AND tier = 'premium';
