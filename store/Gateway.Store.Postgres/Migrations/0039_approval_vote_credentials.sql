-- 0039: the credential each approval vote was cast with (an admin token, as its store keys it), so that a vote cast with a
-- credential revoked since no longer counts when the request settles. A vote cast with none the gateway can revoke, and
-- every row kept before this migration (or written by a replica not yet upgraded), holds the empty one: it counts as it did.
-- One person may vote with several credentials of one minter: each is its own row.

ALTER TABLE approval_votes ADD COLUMN credential text NOT NULL DEFAULT '';
ALTER TABLE approval_votes DROP CONSTRAINT approval_votes_pkey;
ALTER TABLE approval_votes ADD PRIMARY KEY (tenant, approval_id, person, issued_by, credential);
