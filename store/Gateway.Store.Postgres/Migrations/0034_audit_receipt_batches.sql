-- 0034: decision receipts stored by batch with their audit group (docs/evidence.md, "Decision receipts"). The journal
-- signs the receipts of one group together (one ES256 JWS over the RFC 6962 root of the group's receipt claims) and
-- now stores that signed root in the same transaction as the group's records: per batch its JWS, its iat and its
-- members in batch order as (seq, request_id). The claims are not stored: they are rebuilt from the records, so the
-- gateway can serve and export the exact receipt string each agent was given (Gamut-Receipt) at a few dozen bytes a
-- request. `batch` orders a group's batches (0 when the group's receipts are one batch, as they are unless
-- Gateway:Evidence:BatchReceipts is off; then each receipt is a batch, and a folded record's start at one seq). Rows are append-only like the records; retention removes a batch once every record it names is retired
-- (the trigger on audit_anchors below, in the retiring transaction).

CREATE TABLE audit_receipt_batches (
    tenant      text     NOT NULL,
    replica     text     NOT NULL,
    first_seq   bigint   NOT NULL,
    batch       smallint NOT NULL DEFAULT 0,
    last_seq    bigint   NOT NULL,
    iat         bigint   NOT NULL,
    signed_root text     NOT NULL,
    seqs        bigint[] NOT NULL,
    request_ids text[]   NOT NULL,
    PRIMARY KEY (tenant, replica, first_seq, batch),
    CHECK (last_seq >= first_seq AND cardinality(seqs) >= 1 AND cardinality(seqs) = cardinality(request_ids))
);

CREATE INDEX audit_receipt_batches_last_seq ON audit_receipt_batches (tenant, replica, last_seq);

CREATE TRIGGER audit_receipt_batches_immutable BEFORE UPDATE OR DELETE ON audit_receipt_batches
    FOR EACH ROW EXECUTE FUNCTION audit_records_immutable();
CREATE TRIGGER audit_receipt_batches_no_truncate BEFORE TRUNCATE ON audit_receipt_batches
    FOR EACH STATEMENT EXECUTE FUNCTION audit_records_immutable();

ALTER TABLE audit_receipt_batches ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON audit_receipt_batches
    USING (tenant = current_setting('gamut.tenant', true))
    WITH CHECK (tenant = current_setting('gamut.tenant', true));

GRANT SELECT, INSERT ON audit_receipt_batches TO gamut_app;

-- Both retirements (audit_retire, audit_partition_retire) move the chain's anchor in the retiring transaction: the
-- batches whose every member is at or before the new anchor go with their records.
CREATE FUNCTION audit_anchors_retire_receipts() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    v_retiring text := coalesce(current_setting('gamut.audit_retire', true), '');
BEGIN
    -- The immutability trigger lets retention delete; the retiring function's own setting is put back as it was.
    PERFORM set_config('gamut.audit_retire', 'on', true);
    DELETE FROM audit_receipt_batches WHERE tenant = NEW.tenant AND replica = NEW.replica AND last_seq <= NEW.seq;
    PERFORM set_config('gamut.audit_retire', v_retiring, true);
    RETURN NEW;
END $$;

REVOKE ALL ON FUNCTION audit_anchors_retire_receipts() FROM PUBLIC;

CREATE TRIGGER audit_anchors_retire_receipts
    AFTER INSERT OR UPDATE ON audit_anchors
    FOR EACH ROW EXECUTE FUNCTION audit_anchors_retire_receipts();
