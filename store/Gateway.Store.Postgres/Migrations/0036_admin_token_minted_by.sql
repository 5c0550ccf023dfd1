-- 0036: the name of the token that minted each token (its immediate minter; issued_by stays the accountable root that
-- approvals count). Revoking a token revokes the tokens it minted, transitively, found by this name. Null on seeded
-- tokens and on the rows issued before this migration, which no revocation reaches through their minter.

ALTER TABLE admin_tokens ADD COLUMN minted_by text;
