// One typed error per way a governed call fails closed. Every one means: the action did not proceed
// (or, for GamutUpstreamError, its upstream failed) — never a warning to log and continue past.

/** The base of every SDK error. `code` is the gateway's stable problem code where there is one. */
export class GamutError extends Error {
  constructor(message, { code = 'gamut_error', status, decision, explanation, requestId, problem, cause } = {}) {
    super(message, cause ? { cause } : undefined);
    this.name = new.target.name;
    this.code = code;
    this.status = status;
    this.decision = decision;
    this.explanation = explanation;
    this.requestId = requestId;
    this.problem = problem;
  }

  /** The explanation's remedies (`what_would_change`), for showing a person or a model why. */
  get remedies() {
    return this.explanation?.what_would_change ?? [];
  }
}

/** Configuration other than the five GAMUT_* values, or provider configuration, at construction. */
export class GamutConfigurationError extends GamutError {
  constructor(message) { super(message, { code: 'configuration_refused' }); }
}

/** Secret material or provider configuration in a payload, refused before anything was sent. */
export class GamutSecretMaterialError extends GamutError {
  constructor(findings) {
    super(`Refused before sending: secret material or provider configuration at ${findings.map((f) => `${f.path} (${f.kind})`).join(', ')}.`,
      { code: 'secret_material_in_payload' });
    this.findings = findings;
  }
}

/** The gateway answered with a non-2xx status (the subclasses name the common cases). */
export class GamutHttpError extends GamutError {
  constructor(message, details = {}) {
    super(message, details);
    /** The answer's `Retry-After` in seconds, on any status; undefined when it names none. */
    this.retryAfterSeconds = details.retryAfterSeconds;
  }
}

/** 401: a stale, wrong or revoked credential, or a replayed or expired signature. */
export class GamutAuthenticationError extends GamutHttpError {}

/** A denial: block or block_and_open_incident (403), or any decision that does not allow. */
export class GamutDeniedError extends GamutHttpError {}

/** 409: a named human must approve; `approval` is `{id, url}`. */
export class GamutApprovalRequiredError extends GamutHttpError {
  constructor(message, details) {
    super(message, details);
    this.approval = details.problem?.approval;
  }
}

/** 429: a rate limit or budget is exhausted; `retryAfterSeconds` from Retry-After. */
export class GamutRateLimitedError extends GamutHttpError {
  constructor(message, details, retryAfterSeconds) {
    super(message, details);
    this.retryAfterSeconds = retryAfterSeconds ?? details?.retryAfterSeconds;
  }
}

/** 200 but `invoked: false`: the connector was not called. */
export class GamutNotInvokedError extends GamutError {}

/** The connector ran and its upstream answered a non-2xx status (`upstreamStatus`). */
export class GamutUpstreamError extends GamutError {
  constructor(message, details, upstreamStatus, result) {
    super(message, details);
    this.upstreamStatus = upstreamStatus;
    this.result = result;
  }
}

/** No answer within the timeout. The call is not retried: the action may or may not have run. */
export class GamutTimeoutError extends GamutError {}

/** A token or answer naming another tenant, agent, tool or approval than the one asked about. */
export class GamutIdentityMismatchError extends GamutError {}

/** An answer that is not the protocol's (unparseable, or missing required members). */
export class GamutProtocolError extends GamutError {}

/** The approval was denied by its approvers. */
export class GamutApprovalDeniedError extends GamutError {}

/** The approval request (or its warrant) expired. */
export class GamutApprovalExpiredError extends GamutError {}

/** The caller's deadline for the approval passed while it was still pending. */
export class GamutApprovalTimeoutError extends GamutError {}

/**
 * 409 `run_ended`: the run this request belongs to has ended (completed or failed); nothing more may be done in it.
 * `runId` names the run, `runStatus` how it ended, `endedBy` who ended it when the problem names it (this gateway records that in the run's story and never answers it).
 */
export class GamutRunEndedError extends GamutHttpError {
  constructor(message, details) {
    super(message, details);
    this.runId = details.problem?.run_id;
    this.runStatus = details.problem?.run_status;
    this.endedBy = details.problem?.ended_by;
  }
}

/**
 * 409 `run_cancelled`: an operator (or the agent) cancelled the run; the action was refused and nothing more may be
 * done in it. `runId` names the run; `cancelledBy` who cancelled it (`admin:<name>`, `agent:<id>`) when the problem names it.
 */
export class GamutRunCancelledError extends GamutRunEndedError {
  get cancelledBy() { return this.endedBy; }
}

/**
 * An A2A call (`/a2a/{connector}`) answered with a JSON-RPC error that is not a decision of policy: `rpcCode` is the
 * JSON-RPC code (-32602 invalid params, -32001 task not found, -32004 unsupported operation, or the remote agent's own),
 * `code` the gateway's stable code from `error.data.code` (`a2a_unknown_skill`, `a2a_task_not_found`, …), `data` the rest.
 */
export class GamutA2aError extends GamutError {
  constructor(message, details, rpcCode, data) {
    super(message, details);
    this.rpcCode = rpcCode;
    this.data = data;
  }
}

/**
 * The agent card the gateway served does not carry a signature of the gateway's that verifies (code
 * `a2a_card_signature_invalid`); `reason` says why: `missing` (no signature), `unknown_key`, `bad_signature`,
 * `malformed`, `unsupported_algorithm` or `wrong_type`. The card is not returned.
 */
export class GamutCardSignatureError extends GamutError {
  constructor(message, reason) {
    super(message, { code: 'a2a_card_signature_invalid' });
    this.reason = reason;
  }
}
