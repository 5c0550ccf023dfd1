-- 0033: what an approver sees of the action and of its evidence. request_id names the request whose decision opened
-- the approval (its audit record, and the request id its receipt binds); arguments is the action's arguments as
-- canonical JSON, redacted before it is stored (never a secret) and cut at 16 KiB (arguments_truncated); receipt is
-- the decision's signed receipt, attached once the decision is recorded (the approval is opened before the record).
-- Rows opened before this migration have none of them.

ALTER TABLE approvals
    ADD COLUMN request_id          text,
    ADD COLUMN arguments           text CHECK (octet_length(arguments) <= 16384),
    ADD COLUMN arguments_truncated boolean NOT NULL DEFAULT false,
    ADD COLUMN receipt             text CHECK (octet_length(receipt) <= 16384);

-- The application attaches the receipt (UPDATE ... WHERE receipt IS NULL: the first stays) and nothing else of the row.
GRANT UPDATE (receipt) ON approvals TO gamut_app;
