-- 0035: the minter a token inherited. A token that a tenant-confined token minted records its issuer's accountable
-- minter here, and the tokens it mints record that same minter as their issued_by: every token minted under one
-- operator-minted tenant admin counts as that admin in an approval's set of minters. Null on every other token (and
-- on the rows issued before this migration), which mints as its own name.

ALTER TABLE admin_tokens ADD COLUMN inherited_minter text;
