-- 0040: whether a warrant's one use was taken by a revocation (the action was never carried out) rather than a redemption,
-- in the same row and the same INSERT as the use, so that a second revocation reads the first one's outcome in one read and
-- the lookback never reads a voided warrant as carried out. Rows kept before this migration, or written by a replica not
-- yet upgraded, read false (a redemption's), as they did.

ALTER TABLE warrant_uses ADD COLUMN voided boolean NOT NULL DEFAULT false;
