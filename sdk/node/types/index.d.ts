// Types of @gamut/agent-sdk (the implementation is plain ESM JavaScript in src/).

/**
 * Exactly the five values of the agent protocol, plus three settings. Anything else is refused. An agent registered with
 * a public key gives `privateKey` and `keyId` instead of `secret` (never both).
 */
export interface GamutClientOptions {
  /** GAMUT_BASE_URL: the gateway's one base URL. */
  baseUrl: string;
  /** GAMUT_TENANT_SLUG */
  tenant: string;
  /** GAMUT_WORKSPACE_ID */
  workspace: string;
  /** GAMUT_AGENT_ID */
  agentId: string;
  /** GAMUT_BYO_AGENT_SECRET: the agent's runtime secret (absent for an agent that signs with a key pair). */
  secret?: string;
  /** GAMUT_AGENT_PRIVATE_KEY: the agent's Ed25519 or ECDSA P-256 private key (KeyObject, PEM or base64 PKCS#8), instead of `secret`. */
  privateKey?: import('node:crypto').KeyObject | string;
  /** GAMUT_AGENT_KEY_ID: the key_id its public key is registered under in the bundle. */
  keyId?: string;
  /**
   * Per-request timeout (default 30 000 ms), for `fetch` and `openAIOptions()` too (until the answer's headers). A
   * timed-out call is never retried.
   */
  timeoutMs?: number;
  /** The fetch to send with (default globalThis.fetch). */
  fetch?: typeof fetch;
  /**
   * GAMUT_ALLOW_INSECURE_HTTP: lets a plain-http baseUrl name a host other than loopback (refused otherwise: signed
   * requests and a person's token would cross the network in clear). Only where that network is trusted.
   */
  allowInsecureHttp?: boolean;
}

export interface Target { kind: 'url' | 'host' | 'path' | 'repo' | 'table' | 'bucket' | 'queue' | 'topic' | 'other'; value: string }
export interface Provenance { arg_path: string; source: 'user' | 'system' | 'tool_output' | 'external' }

export interface ControlOutcome {
  control: string;
  outcome: 'pass' | 'fail' | 'not_applicable';
  severity: string;
  missing_evidence: string | null;
  remedy: string | null;
  [extra: string]: unknown;
}

export interface Explanation {
  policy_digest: string;
  intent_digest: string;
  decision_path: ControlOutcome[];
  rule_triggers: unknown[];
  open_risks: unknown[];
  what_would_change: string[];
  [extra: string]: unknown;
}

export type DecisionKind = 'allow' | 'allow_and_log' | 'degrade' | 'require_approval' | 'block' | 'block_and_open_incident';

export interface Decision<TResult = unknown> {
  invoked: boolean;
  decision: DecisionKind;
  explanation: Explanation;
  /** A bearer token for an executor: not enumerable, so JSON.stringify, util.inspect and a spread leave it out. */
  decisionToken?: string;
  /** The decision's signed receipt (docs/evidence.md): verify it offline with verifyReceipt(receipt, jwks). */
  receipt?: string;
  result?: TResult;
  upstreamStatus?: number;
  simulated: boolean;
}

export interface WaitForApprovalOptions {
  /** Give up (GamutApprovalTimeoutError) after this long; default 15 minutes. */
  deadlineMs?: number;
  /** First poll interval, doubled up to maxIntervalMs; defaults 500 and 10 000 ms. */
  initialIntervalMs?: number;
  maxIntervalMs?: number;
  signal?: AbortSignal;
  /** Called with each pending poll result. */
  onPending?: (approval: ApprovalState) => void;
}

export interface CallOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  /** The identity token of the person this call acts for (X-Gamut-Person, covered by the signature); overrides `forPerson`'s. Not a compact JWS: GamutConfigurationError, nothing sent. */
  personToken?: string;
}

export interface ToolCallOptions extends CallOptions {
  targets?: Target[];
  dataClasses?: string[];
  provenance?: Provenance[];
  warrant?: string;
  simulate?: boolean;
  /** Wait on a required approval, then retry once with its warrant. */
  waitForApproval?: boolean | WaitForApprovalOptions;
}

/** An A2A message (docs/a2a.md): `text` and/or `data` become its parts, or `parts` are sent as given. */
export interface A2aMessageInput {
  /** The remote agent's skill, sent as `params.metadata["gamut.dev/skill"]` (the catalog's `a2a_skill` entry decides it). */
  skill?: string;
  text?: string;
  data?: Record<string, unknown>;
  /** Parts in the wire version's own shape (1.0 `{text}`/`{data}`, 0.3 `{kind:'text',text}`), instead of text/data. */
  parts?: Array<Record<string, unknown>>;
  /** Default: a fresh UUID. A retry with a warrant must resend the held message's id (`error.messageId`). */
  messageId?: string;
  taskId?: string;
  contextId?: string;
  metadata?: Record<string, unknown>;
  /** An approval's warrant, sent as `params.metadata["gamut.dev/warrant"]` (the retry of a held message). */
  warrant?: string;
}

export interface A2aCallOptions extends CallOptions {
  /** The JSON-RPC method names spoken: A2A 1.0's (`SendMessage`, …; the default) or 0.3's (`message/send`, …). */
  version?: '1.0' | '0.3';
}

/** `{task}` or `{message}` (0.3's `kind`-tagged result is put under the same names). */
export interface A2aSendResult {
  task?: Record<string, unknown> & { id: string; status: { state: string } };
  message?: Record<string, unknown>;
}

export interface ApprovalState {
  id: string;
  status: 'pending' | 'approved' | 'denied' | 'expired';
  approvers: string[];
  approvals: string[];
  approvals_required: number;
  expires_at: string;
  warrant?: string;
  warrant_expires_at?: string;
}

export declare class GamutClient {
  constructor(options: GamutClientOptions);
  /** From GAMUT_BASE_URL, GAMUT_TENANT_SLUG, GAMUT_WORKSPACE_ID, GAMUT_AGENT_ID, GAMUT_BYO_AGENT_SECRET (and GAMUT_ALLOW_INSECURE_HTTP). */
  static fromEnv(env?: Record<string, string | undefined>, settings?: Pick<GamutClientOptions, 'timeoutMs' | 'fetch' | 'allowInsecureHttp'>): GamutClient;
  readonly baseUrl: string;
  readonly tenant: string;
  readonly workspace: string;
  readonly agentId: string;
  /** The identity token of the person every call acts for (`forPerson`), or undefined. */
  readonly personToken: string | undefined;
  /** A client whose calls (and `fetch`) act for the person this identity token names; one that is not a compact JWS throws GamutConfigurationError. */
  forPerson(personToken: string): GamutClient;
  /** The run every call carries: the one bound by `inRun`, else the enclosing `withRun` callback's (of this agent), else undefined. */
  readonly runId: string | undefined;
  /** A client whose calls (and `fetch`) belong to the run `runId` (X-Gamut-Run, covered by the signature). */
  inRun(runId: string): GamutClient;
  /** POST /v1/runs: the started run (a sub-run of the one this client carries, if any); `run.client` carries it. */
  startRun(options?: RunOptions): Promise<GamutRun>;
  /** Starts a run, calls `body` with every call of this client in its async context carrying it, and ends the run completed (or failed when `body` throws). */
  withRun<T>(options: RunOptions, body: (run: GamutRun) => Promise<T> | T): Promise<T>;
  withRun<T>(body: (run: GamutRun) => Promise<T> | T): Promise<T>;
  /**
   * A fetch that signs every request to the gateway and refuses any other origin; no answer (status and headers)
   * within `timeoutMs` rejects with GamutTimeoutError.
   */
  readonly fetch: typeof fetch;
  providerUrl(connector: string): string;
  /** GET /a2a/{connector}/.well-known/agent-card.json: the remote card rewritten to name the gateway, filtered, signed by it (the signature verified with the gateway's receipt keys: GamutCardSignatureError). */
  agentCard(connector: string, options?: CallOptions): Promise<Record<string, unknown>>;
  /** SendMessage (message/send): a held message throws GamutApprovalRequiredError; `waitForApproval` waits and resends once with the warrant. */
  sendMessage(connector: string, message: A2aMessageInput, options?: A2aCallOptions & { waitForApproval?: boolean | WaitForApprovalOptions }): Promise<A2aSendResult>;
  /** SendStreamingMessage (message/stream): each event's `result`, in order. */
  streamMessage(connector: string, message: A2aMessageInput, options?: A2aCallOptions): AsyncGenerator<Record<string, unknown>, void, undefined>;
  /** GetTask (tasks/get) of a task this agent opened. */
  getTask(connector: string, taskId: string, options?: A2aCallOptions): Promise<Record<string, unknown>>;
  /** CancelTask (tasks/cancel) of a task this agent opened. */
  cancelTask(connector: string, taskId: string, options?: A2aCallOptions): Promise<Record<string, unknown>>;
  /** ListTasks (tasks/list): `{tasks, …}`, the gateway keeping only this agent's tasks. */
  listTasks(connector: string, params?: Record<string, unknown>, options?: A2aCallOptions): Promise<{ tasks: Array<Record<string, unknown>>; [member: string]: unknown }>;
  /** `new OpenAI(gamut.openAIOptions())`: the provider route and the signing fetch. */
  openAIOptions(connector?: string): { baseURL: string; apiKey: string; fetch: typeof fetch; maxRetries: number };
  evaluate(tool: string, args?: Record<string, unknown>, options?: Omit<ToolCallOptions, 'waitForApproval'>): Promise<Decision<never>>;
  invokeTool<TResult = unknown>(tool: string, args?: Record<string, unknown>, options?: ToolCallOptions): Promise<Decision<TResult>>;
  context(request: { scope: string; query?: string; maxBytes?: number }, options?: CallOptions & { waitForApproval?: boolean | WaitForApprovalOptions }): Promise<Decision<unknown>>;
  model<TResult = unknown>(connector: string, request: Record<string, unknown>, options?: CallOptions & { waitForApproval?: boolean | WaitForApprovalOptions }): Promise<Decision<TResult>>;
  getApproval(id: string, options?: Pick<CallOptions, 'timeoutMs' | 'signal'>): Promise<ApprovalState>;
  /** Polls until approved (returns the warrant), denied, expired or the deadline. */
  waitForApproval(id: string, options?: WaitForApprovalOptions & { tool?: string }): Promise<string>;
  /** POST /v1/delegations: a client signed as a short-lived child that only narrows this agent. */
  delegate(grant: DelegationGrant, options?: CallOptions): Promise<GamutClient>;
  /** For a delegated child's client: the delegation it was issued under. */
  readonly delegation?: Delegation;
}

/** What `POST /v1/runs` is asked (each optional) and the call's options. */
export interface RunOptions extends Omit<CallOptions, 'personToken'> {
  /** The agent framework, e.g. 'langgraph' (at most 64 characters). */
  framework?: string;
  /** What the run is for (at most 1024 characters). */
  purpose?: string;
  /** The run this one is a sub-run of (default: the run the starting client carries). */
  parentRun?: string;
}

export type RunEventType = 'started' | 'step' | 'completed' | 'failed' | 'cancelled';

/** One run of an agent (docs/runs.md): its events, its ending, and a client that carries it. */
export declare class GamutRun {
  /** The run id (`run-` and 32 lowercase hex). */
  readonly id: string;
  /** The gateway's answer to the start: run_id, agent, created_at, trace_id, parent_run, ... */
  readonly info: Readonly<Record<string, unknown> & { run_id: string }>;
  /** A client bound to this run. */
  readonly client: GamutClient;
  /** How the run ended as far as this agent knows, or undefined. */
  readonly ended: 'completed' | 'failed' | 'cancelled' | 'ended' | undefined;
  /** POST /v1/runs/{id}/events; completed, failed and cancelled end the run. */
  event(type: RunEventType, options?: CallOptions & { name?: string; detail?: Record<string, unknown> }): Promise<{ run_id: string; type: RunEventType; status: string }>;
  step(name: string, detail?: Record<string, unknown>): Promise<{ run_id: string; type: RunEventType; status: string }>;
  complete(detail?: Record<string, unknown>): Promise<{ run_id: string; type: RunEventType; status: string }>;
  fail(detail?: Record<string, unknown>): Promise<{ run_id: string; type: RunEventType; status: string }>;
  cancel(detail?: Record<string, unknown>): Promise<{ run_id: string; type: RunEventType; status: string }>;
  /** Runs `body` with the starting client carrying the run in its async context, and ends the run as `body` ends. */
  scope<T>(body: (run: GamutRun) => Promise<T> | T): Promise<T>;
  /** A run not ended by then is recorded failed ({reason: 'not_completed'}). */
  [Symbol.asyncDispose](): Promise<void>;
}
/** /^run-[0-9a-f]{32}$/: a run id as the gateway mints it. */
export declare const RUN_ID: RegExp;
export declare const RUN_EVENTS: readonly RunEventType[];

/** What a parent asks for its child; anything beyond the parent rejects with `delegation_widens_authority`. */
export interface DelegationGrant {
  name: string;
  /** Each a tool the parent holds; `actionTypes` (default: the parent's) a subset of the parent's on that tool. */
  permissions: { tool: string; actionTypes?: string[] }[];
  atfLevel?: 'L1' | 'L2' | 'L3' | 'L4';
  dataClassCeiling?: 'public' | 'internal' | 'confidential' | 'pii' | 'restricted' | 'top_secret';
  /** Default: the longest the tenant (15 min by default) and the parent allow. */
  ttlSeconds?: number;
  runId?: string;
  mayDelegate?: boolean;
  /** The child's own Ed25519 or P-256 private key: its public half is registered and the child signs with it (no secret is minted). */
  privateKey?: import('node:crypto').KeyObject | string;
}

export interface Delegation {
  readonly agentId: string;
  readonly name: string;
  readonly parent: string;
  readonly depth: number;
  readonly expiresAt: Date;
  /** For a child given a key pair: its key's fingerprint as the gateway names it. */
  readonly keyFingerprint?: string;
}

export interface SecretFinding { path: string; kind: 'provider_configuration' | 'credential_member' | 'bearer_token' | 'jwt' | 'api_key' | 'private_key' }

export declare const ENV_NAMES: Readonly<{ baseUrl: 'GAMUT_BASE_URL'; tenant: 'GAMUT_TENANT_SLUG'; workspace: 'GAMUT_WORKSPACE_ID'; agentId: 'GAMUT_AGENT_ID'; secret: 'GAMUT_BYO_AGENT_SECRET' }>;
export declare const KEY_ENV_NAMES: Readonly<{ privateKey: 'GAMUT_AGENT_PRIVATE_KEY'; keyId: 'GAMUT_AGENT_KEY_ID' }>;
/** `true` lets a plain-http GAMUT_BASE_URL name a host other than loopback (the option `allowInsecureHttp`). */
export declare const INSECURE_HTTP_ENV_NAME: 'GAMUT_ALLOW_INSECURE_HTTP';
export declare function findSecretMaterial(value: unknown): SecretFinding[];
export declare function isRefusal(error: unknown): boolean;
export declare function explainRefusal(error: GamutError): string;
export declare function bodySha256(body?: Uint8Array): string;
export declare function canonicalString(parts: { method: string; target: string; tenant: string; workspace: string; agent: string; timestamp: number | string; nonce: string; body?: Uint8Array | string; personToken?: string; runId?: string }): string;
/** 'X-Gamut-Person': the header carrying the identity token of the person the agent acts for. */
export declare const PERSON_HEADER: 'X-Gamut-Person';
/** 'X-Gamut-Run': the header carrying the run a request belongs to (the canonical string's last line). */
export declare const RUN_HEADER: 'X-Gamut-Run';
export declare function sign(secret: string, canonical: string): string;
export declare function freshNonce(): string;
/** Throws GamutSecretMaterialError (kind 'agent_secret') when the agent's secret is in the target (at any depth of percent-decoding), the body (raw or JSON-escaped) or one of `headers`. */
export declare function signatureHeaders(identity: Pick<GamutClientOptions, 'tenant' | 'workspace' | 'agentId' | 'secret'>, method: string, target: string, body?: Uint8Array, now?: number, headers?: Headers | Map<string, string> | Record<string, string>, personToken?: string, runId?: string): Record<string, string>;

/** The components every RFC 9421 signature covers, in order. */
export declare const MESSAGE_SIGNATURE_COMPONENTS: readonly string[];
/** 'x-gamut-person': covered after the six when a request acts for a person. */
export declare const PERSON_COMPONENT: 'x-gamut-person';
/** 'x-gamut-run': covered last when a request belongs to a run. */
export declare const RUN_COMPONENT: 'x-gamut-run';
export interface AgentPrivateKey { key: import('node:crypto').KeyObject; alg: 'ed25519' | 'ecdsa-p256-sha256' }
/** The six components, then x-gamut-person with `personToken`, then x-gamut-run with `runId`. */
export interface SignatureParams { created: number; nonce: string; keyId: string; alg: string; personToken?: string; runId?: string }
/** Reads an Ed25519 or P-256 private key (KeyObject, PEM or base64 PKCS#8); throws on any other key. */
export declare function agentPrivateKey(privateKey: import('node:crypto').KeyObject | string): AgentPrivateKey;
/** RFC 9530 Content-Digest of the body: sha-256 (and sha-512 when asked). */
export declare function contentDigest(body?: Uint8Array | string, algorithms?: Array<'sha-256' | 'sha-512'>): string;
export declare function signatureParams(params: SignatureParams): string;
export declare function signatureBase(parts: SignatureParams & { method: string; targetUri: string; contentDigest: string; tenant: string; workspace: string; agent: string }): string;
/** Ed25519, or ECDSA P-256 SHA-256 as r||s. */
export declare function signMessage(key: AgentPrivateKey, base: string): Buffer;
/** X-Gamut-Tenant/-Workspace/-Agent, Content-Digest, Signature-Input and Signature for one request (RFC 9421); with `personToken`, X-Gamut-Person too, with `runId` X-Gamut-Run, each covered. */
export declare function messageSignatureHeaders(identity: { tenant: string; workspace: string; agentId: string; agentKey: AgentPrivateKey; keyId: string }, method: string, targetUri: string, body?: Uint8Array, now?: number, personToken?: string, runId?: string): Record<string, string>;

/** `params.metadata` keys of the A2A route: the skill, the retry's warrant, and a held task's approval `{id, url}`. */
export declare const SKILL_METADATA_KEY: 'gamut.dev/skill';
export declare const A2A_WARRANT_METADATA_KEY: 'gamut.dev/warrant';
export declare const APPROVAL_METADATA_KEY: 'gamut.dev/approval';

export declare class GamutError extends Error {
  /** For an A2A call refused in JSON-RPC: the JSON-RPC error code. */
  readonly rpcCode?: number;
  readonly code: string;
  readonly status?: number;
  readonly decision?: DecisionKind;
  readonly explanation?: Explanation;
  readonly requestId?: string;
  readonly problem?: Record<string, unknown>;
  /** The explanation's what_would_change. */
  readonly remedies: string[];
}
export declare class GamutConfigurationError extends GamutError {}
export declare class GamutSecretMaterialError extends GamutError { readonly findings: SecretFinding[] }
export declare class GamutHttpError extends GamutError {
  /** The answer's `Retry-After` in seconds, on any status; undefined when it names none. */
  readonly retryAfterSeconds?: number;
}
export declare class GamutAuthenticationError extends GamutHttpError {}
export declare class GamutDeniedError extends GamutHttpError {}
export declare class GamutApprovalRequiredError extends GamutHttpError {
  readonly approval?: { id: string; url: string };
  /** For a held A2A message: the message id to resend with the warrant. */
  readonly messageId?: string;
}
/** An A2A JSON-RPC error that is not a decision: `rpcCode` (-32602, -32001, -32004, or the remote agent's), `code` from `error.data.code`. */
export declare class GamutA2aError extends GamutError { readonly rpcCode: number; readonly data?: unknown }
/** The agent card's signature by the gateway is missing or does not verify (code 'a2a_card_signature_invalid'). */
export declare class GamutCardSignatureError extends GamutError {
  readonly code: 'a2a_card_signature_invalid';
  readonly reason: 'missing' | 'malformed' | 'unsupported_algorithm' | 'wrong_type' | 'unknown_key' | 'bad_signature';
}
export declare class GamutRateLimitedError extends GamutHttpError {}
export declare class GamutNotInvokedError extends GamutError {}
export declare class GamutUpstreamError extends GamutError { readonly upstreamStatus: number; readonly result: unknown }
export declare class GamutTimeoutError extends GamutError {}
export declare class GamutIdentityMismatchError extends GamutError {}
export declare class GamutProtocolError extends GamutError {}
export declare class GamutApprovalDeniedError extends GamutError {}
export declare class GamutApprovalExpiredError extends GamutError {}
export declare class GamutApprovalTimeoutError extends GamutError {}
/** 409 run_ended: the run has ended (completed or failed); `endedBy` when the problem names who ended it. */
export declare class GamutRunEndedError extends GamutHttpError { readonly runId?: string; readonly runStatus?: string; readonly endedBy?: string }
/** 409 run_cancelled: the run was cancelled (by an operator, or the agent); `cancelledBy` when the problem names who cancelled it. */
export declare class GamutRunCancelledError extends GamutRunEndedError { readonly cancelledBy?: string }

/** The claims of a decision token (camelCase of its members); the ones from tenantGeneration on are absent from tokens issued before revocable tokens. */
export interface DecisionTokenClaims {
  /** tid */ tenant: string;
  /** aid */ agent: string;
  tool: string;
  /** act */ intentDigest: string;
  /** dec */ decision: 'allow' | 'allow_and_log' | 'degrade';
  /** iat, Unix seconds */ issuedAt: number;
  /** exp, Unix seconds (at most iat + 300) */ expiresAt: number;
  /** jti */ tokenId: string;
  /** deg */ degradeMode?: 'redact' | 'read_only' | 'dry_run' | 'route' | 'mask';
  /** tgn */ tenantGeneration?: number;
  /** agn */ agentGeneration?: number;
  /** pol */ policyDigest?: string;
  /** rid: the request (audit record) the decision was made for */ requestId?: string;
  /** apr: the approval whose warrant the decision redeemed */ approvalId?: string;
  /** evl: true on a token from POST /v1/evaluate */ evaluation?: boolean;
}

/** The action the executor is about to carry out: the tenant and the tool are required (a token is about one action). */
export interface DecisionTokenExpectation {
  tenant: string;
  tool: string;
  intentDigest?: string;
}

/** The offline check: `reason` is a stable code (missing, malformed, unsupported_version, bad_signature, expired, not_yet_valid, lifetime_too_long, decision_not_allowed, wrong_tenant, wrong_tool, wrong_intent). */
export type OfflineDecisionTokenResult =
  | { readonly valid: true; readonly reason: null; readonly claims: Readonly<DecisionTokenClaims> }
  | { readonly valid: false; readonly reason: string; readonly claims: null };

/** Offline: signature (constant time), lifetime, expiry with a skew, allow family, expected tenant/tool/intent. Cannot see revocations. */
export declare class DecisionTokenVerifier {
  /** `key`: the decision signing key (bytes, or its text as the gateway reads it). */
  constructor(key: Uint8Array | string, options?: { clockSkewMs?: number; now?: () => number });
  verify(token: string | null | undefined, expected: DecisionTokenExpectation): OfflineDecisionTokenResult;
}

export type DecisionTokenStatusValue = 'live' | 'revoked' | 'expired' | 'invalid' | 'unavailable';
export declare const DecisionTokenStatus: Readonly<{ LIVE: 'live'; REVOKED: 'revoked'; EXPIRED: 'expired'; INVALID: 'invalid'; UNAVAILABLE: 'unavailable' }>;

/**
 * Act only when `status === 'live'`. `reason` is null when live; otherwise the offline reason, the gateway's
 * (agent_revoked, tenant_revoked, policy_changed, approval_revoked, used, not_recorded, signature_invalid, ...) or, for
 * unavailable, gateway_unreachable | timeout | gateway_error | credential_refused | unexpected_answer.
 */
export interface GatewayDecisionTokenResult {
  readonly status: DecisionTokenStatusValue;
  readonly reason: string | null;
  /** Set when the signature verified offline and the gateway answered about the token. */
  readonly claims: Readonly<DecisionTokenClaims> | null;
}

export interface GatewayDecisionTokenVerifierOptions {
  /** The gateway's base URL; the verifier posts to /v1/decision-tokens/verify under it. */
  gatewayUrl: string;
  /** An admin-API token with role executor (never an agent's secret). */
  executorToken: string;
  /** The gateway's DECISION_SIGNING_KEY (bytes, or its text). */
  decisionSigningKey: Uint8Array | string;
  /** Reuse a live answer for the same token id this long: default 2000, at most 5000, 0 = ask every time. */
  liveCacheMs?: number;
  /** Wait this long for the gateway (default 2000), then `unavailable`. */
  timeoutMs?: number;
  clockSkewMs?: number;
  fetch?: typeof fetch;
  now?: () => number;
  /** Lets a plain-http gatewayUrl name a host other than loopback (refused otherwise). Only where that network is trusted. */
  allowInsecureHttp?: boolean;
}

/** The offline check, then the gateway's verify endpoint; live cached briefly, revoked until exp, unavailable never cached. */
export declare class GatewayDecisionTokenVerifier {
  constructor(options: GatewayDecisionTokenVerifierOptions);
  /** Rejects only when `signal` aborts. `consume: true` uses the token up: live to one consuming call only, `revoked`/`used` after. */
  verify(token: string | null | undefined, expected: DecisionTokenExpectation & { consume?: boolean; signal?: AbortSignal }): Promise<GatewayDecisionTokenResult>;
  /** `verify` with `consume: true`. */
  consume(token: string | null | undefined, expected: DecisionTokenExpectation & { signal?: AbortSignal }): Promise<GatewayDecisionTokenResult>;
}

/** A gateway key's bytes from its text (hex when an even number of hex digits, else base64; at least 32 bytes). */
export declare function gatewayKey(text: string): Buffer;

/** The claims of a verified decision receipt (docs/evidence.md). */
export interface ReceiptClaims {
  /** 2 for a batched receipt (the gateway issues these), 1 for one signed alone (issued before batching). */
  v: 1 | 2;
  /** A batched receipt's leaf in its batch. */
  batch_index?: number;
  tenant: string;
  replica: string;
  request_id: string;
  agent: string;
  actor_chain?: Array<{ kind: string; id: string; name?: string; run_id?: string }>;
  tool?: string;
  decision: string;
  intent_digest?: string;
  policy_digest?: string;
  leaf_index: number;
  leaf_hash: string;
  record_hash: string;
  iat: number;
}

/** The gateway's receipt keys, as served at /.well-known/gamut-receipt-keys.json. */
export interface ReceiptJwks {
  keys: Array<{ kty: string; crv?: string; x?: string; y?: string; kid?: string; alg?: string; use?: string }>;
}

export declare const RECEIPT_TYPE: 'gamut-receipt+jws';

/** The typ of the JWS that signs a batch of receipts (the receipt is signed-root~claims~path). */
export declare const RECEIPT_BATCH_TYPE: 'gamut-receipt-batch+jws';

export type ReceiptErrorCode = 'malformed' | 'unsupported_algorithm' | 'wrong_type' | 'unknown_key' | 'bad_signature' | 'invalid_claims' | 'not_in_batch';

export declare class ReceiptError extends Error {
  readonly code: ReceiptErrorCode;
  constructor(code: ReceiptErrorCode, message?: string);
}

/** Verifies a receipt offline with the JWKS; returns its claims or throws ReceiptError. */
export declare function verifyReceipt(receipt: string, jwks: ReceiptJwks): ReceiptClaims;

/** Verifies a compact JWS of the receipt keys with the given typ (a checkpoint: 'gamut-checkpoint+jws'); returns its payload. */
export declare function verifyEvidenceToken(token: string, jwks: ReceiptJwks, type: string): Record<string, unknown>;

/** Verifies a JWS's three base64url parts (protected header, payload, signature) under the receipt keys; returns its payload. */
export declare function verifyJwsParts(parts: [string, string, string], jwks: ReceiptJwks, type: string): Record<string, unknown>;

/** The typ of the gateway's signature on an A2A agent card. */
export declare const CARD_SIGNATURE_TYPE: 'JOSE';

/** What an agent card's signature covers: its A2A 1.0 members without protobuf defaults, RFC 8785 canonical JSON. */
export declare function cardPayload(card: Record<string, unknown>): string;

/** Verifies the gateway's signature on an agent card with its receipt keys; throws GamutCardSignatureError. */
export declare function verifyAgentCard(card: Record<string, unknown>, jwks: ReceiptJwks): void;
