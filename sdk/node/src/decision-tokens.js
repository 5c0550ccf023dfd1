// For executors (services that act on the gateway's decisions): verify a decision token offline with the
// gateway's decision signing key, then ask the gateway whether it has been revoked since.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { isInsecureHttp } from './config.js';

const PREFIX = 'v1.';
const MAX_LIFETIME_SECONDS = 300;
const MAX_LIVE_CACHE_MS = 5000;
const MAX_ANSWER_BYTES = 64 * 1024;
const PRUNE_THRESHOLD = 1024;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const REASON_CODE = /^[a-z0-9_]{1,64}$/;
const ALLOW_FAMILY = new Set(['allow', 'allow_and_log', 'degrade']);
const OTHER_DECISIONS = new Set(['require_approval', 'block', 'block_and_open_incident']);
const DEGRADE_MODES = new Set(['redact', 'read_only', 'dry_run', 'route', 'mask']);

// The payload's members: wire name, claim name, type; the first eight are required.
const MEMBERS = [
  ['tid', 'tenant', 'string'], ['aid', 'agent', 'string'], ['tool', 'tool', 'string'], ['act', 'intentDigest', 'string'],
  ['dec', 'decision', 'string'], ['iat', 'issuedAt', 'integer'], ['exp', 'expiresAt', 'integer'], ['jti', 'tokenId', 'string'],
  ['deg', 'degradeMode', 'string'], ['tgn', 'tenantGeneration', 'generation'], ['agn', 'agentGeneration', 'generation'],
  ['pol', 'policyDigest', 'string'], ['rid', 'requestId', 'string'], ['apr', 'approvalId', 'string'], ['evl', 'evaluation', 'boolean'],
];
const REQUIRED = 8;

/** What a decision token was found to be. */
export const DecisionTokenStatus = Object.freeze({
  LIVE: 'live', REVOKED: 'revoked', EXPIRED: 'expired', INVALID: 'invalid', UNAVAILABLE: 'unavailable',
});

/**
 * A gateway key's bytes from its text, as the gateway reads DECISION_SIGNING_KEY and GATEWAY_SERVICE_KEY: hex when
 * the text is an even number of hex digits, otherwise base64; at least 32 bytes.
 */
export function gatewayKey(text) {
  const trimmed = String(text).trim();
  const key = /^(?:[0-9A-Fa-f]{2})+$/.test(trimmed) ? Buffer.from(trimmed, 'hex')
    : /^[A-Za-z0-9+/]*={0,2}$/.test(trimmed) && trimmed.length % 4 === 0 ? Buffer.from(trimmed, 'base64') : Buffer.alloc(0);
  if (key.length < 32) throw new TypeError('A gateway key is base64 or hex of at least 32 bytes.');
  return key;
}

function checkKey(key) {
  const bytes = typeof key === 'string' ? gatewayKey(key) : Buffer.from(key ?? []);
  if (bytes.length < 32) throw new TypeError('The decision signing key must be at least 32 bytes.');
  return bytes;
}

function checkSkew(clockSkewMs) {
  if (!Number.isFinite(clockSkewMs) || clockSkewMs < 0 || clockSkewMs > 60_000) throw new RangeError('clockSkewMs must be between 0 and 60 000.');
  return Math.floor(clockSkewMs / 1000);
}

const fail = (reason) => Object.freeze({ valid: false, reason, claims: null });

/**
 * Offline: the signature (constant time), a lifetime of at most 300 s, expiry and not-before with a skew, the allow
 * family, the expected tenant and optionally tool and intent digest. It cannot see a revocation: an executor that
 * must honour one uses GatewayDecisionTokenVerifier, which runs this check first.
 */
export class DecisionTokenVerifier {
  #key;
  #skewSeconds;
  #now;

  /** `key`: the decision signing key (bytes, or its text as the gateway reads it). Options: clockSkewMs (default 5000, at most 60 000), now (ms). */
  constructor(key, { clockSkewMs = 5000, now = Date.now } = {}) {
    this.#key = checkKey(key);
    this.#skewSeconds = checkSkew(clockSkewMs);
    this.#now = now;
    Object.freeze(this);
  }

  /**
   * `{valid, reason, claims}` for the action the executor is about to carry out: `tool` in `tenant` (and, when given,
   * with `intentDigest`). Never throws for a bad token; throws TypeError when the tenant or the tool is not named (an
   * executor that did not say which action it verifies would accept a token for any). `reason` is a stable code
   * (bad_signature, expired, wrong_tool, ...).
   */
  verify(token, { tenant, tool, intentDigest } = {}) {
    if (typeof tenant !== 'string' || tenant === '') throw new TypeError('The expected tenant is required.');
    if (typeof tool !== 'string' || tool === '') throw new TypeError('The expected tool (the action the token must be for) is required.');
    if (typeof token !== 'string' || token === '') return fail('missing');
    if (!token.startsWith(PREFIX)) return fail(token.includes('.') && /^[A-Za-z]/.test(token) ? 'unsupported_version' : 'malformed');
    const parts = token.split('.');
    if (parts.length !== 3 || !BASE64URL.test(parts[1]) || !BASE64URL.test(parts[2])) return fail('malformed');
    const presented = Buffer.from(parts[2], 'base64url');
    if (presented.length !== 32) return fail('malformed');
    const expected = createHmac('sha256', this.#key).update(`${PREFIX}${parts[1]}`, 'ascii').digest();
    if (!timingSafeEqual(expected, presented)) return fail('bad_signature');

    const claims = readPayload(parts[1]);
    if (!claims) return fail('malformed');
    const now = Math.floor(this.#now() / 1000);
    if (claims.expiresAt - claims.issuedAt > MAX_LIFETIME_SECONDS || claims.expiresAt < claims.issuedAt) return fail('lifetime_too_long');
    if (now > claims.expiresAt + this.#skewSeconds) return fail('expired');
    if (now < claims.issuedAt - this.#skewSeconds) return fail('not_yet_valid');
    if (!ALLOW_FAMILY.has(claims.decision)) return fail('decision_not_allowed');
    if (claims.tenant !== tenant) return fail('wrong_tenant');
    if (claims.tool !== tool) return fail('wrong_tool');
    if (intentDigest !== undefined && intentDigest !== null && claims.intentDigest !== intentDigest) return fail('wrong_intent');
    return Object.freeze({ valid: true, reason: null, claims });
  }
}

/**
 * The claims of a payload part, or null when it is not the protocol's payload (missing members, wrong types). A member
 * this version does not know is skipped: a newer gateway adds claims, and the signature covers them all.
 */
function readPayload(part) {
  let payload;
  try {
    payload = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return null;
  const claims = {};
  for (const [index, [wire, name, type]] of MEMBERS.entries()) {
    const value = payload[wire];
    if (value === undefined || (value === null && index >= REQUIRED)) {
      if (index < REQUIRED) return null;
      continue;
    }
    const ok = type === 'string' ? typeof value === 'string'
      : type === 'boolean' ? typeof value === 'boolean'
        : Number.isSafeInteger(value) && (type !== 'generation' || value >= 0);
    if (!ok) return null;
    claims[name] = value;
  }
  if (!(ALLOW_FAMILY.has(claims.decision) || OTHER_DECISIONS.has(claims.decision))) return null;
  if (claims.degradeMode !== undefined && !DEGRADE_MODES.has(claims.degradeMode)) return null;
  return Object.freeze(claims);
}

const unavailable = (reason) => Object.freeze({ status: DecisionTokenStatus.UNAVAILABLE, reason, claims: null });
const UNEXPECTED = unavailable('unexpected_answer');

/**
 * For an executor: the offline check, then POST {gatewayUrl}/v1/decision-tokens/verify with the executor's credential
 * (an admin-API token with role `executor`). A token failing offline is answered without a call. A live answer is
 * reused for the same token (the whole token, by its SHA-256: never another token of the same id, which a holder of the
 * signing key could write for another tool) for at most `liveCacheMs` (default 2000, at most 5000, 0 = never), a
 * revoked one until the token expires. When the gateway cannot answer (connection error, timeout, 5xx, a refused credential, an
 * unexpected answer) the result is `unavailable` (never live, not cached). Results and errors never hold the token
 * or the credential.
 */
export class GatewayDecisionTokenVerifier {
  #offline;
  #endpoint;
  #executorToken;
  #liveCacheMs;
  #timeoutMs;
  #skewMs;
  #fetch;
  #now;
  #answers = new Map();

  /**
   * Options: gatewayUrl, executorToken, decisionSigningKey (required); liveCacheMs, timeoutMs (default 2000), clockSkewMs,
   * fetch, now, allowInsecureHttp (a plain-http gatewayUrl is refused unless its host is loopback or this is true).
   */
  constructor({ gatewayUrl, executorToken, decisionSigningKey, liveCacheMs = 2000, timeoutMs = 2000, clockSkewMs = 5000, fetch = globalThis.fetch, now = Date.now, allowInsecureHttp = false, ...other } = {}) {
    const unknown = Object.keys(other);
    if (unknown.length > 0) throw new TypeError(`Unknown GatewayDecisionTokenVerifier options: ${unknown.join(', ')}.`);
    let url;
    try {
      url = new URL(gatewayUrl);
    } catch {
      throw new TypeError('gatewayUrl must be an absolute http(s) URL.');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError('gatewayUrl must be an absolute http(s) URL.');
    if (typeof allowInsecureHttp !== 'boolean') throw new TypeError('allowInsecureHttp must be true or false.');
    if (isInsecureHttp(url, allowInsecureHttp)) {
      throw new TypeError(`gatewayUrl is plain http:// to ${url.hostname}, a host other than loopback: the executor token and the tokens verified `
        + 'would cross the network in clear. Use https://, or set allowInsecureHttp: true only where that network is trusted (e.g. a cluster-internal Service).');
    }
    if (typeof executorToken !== 'string' || executorToken.trim() === '') throw new TypeError('executorToken is required.');
    if (!Number.isFinite(liveCacheMs) || liveCacheMs < 0 || liveCacheMs > MAX_LIVE_CACHE_MS) throw new RangeError('liveCacheMs must be between 0 and 5000.');
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new RangeError('timeoutMs must be positive.');
    if (typeof fetch !== 'function') throw new TypeError('fetch must be a function.');
    this.#offline = new DecisionTokenVerifier(decisionSigningKey, { clockSkewMs, now });
    this.#endpoint = `${url.href.replace(/\/+$/, '')}/v1/decision-tokens/verify`;
    this.#executorToken = executorToken;
    this.#liveCacheMs = liveCacheMs;
    this.#timeoutMs = timeoutMs;
    this.#skewMs = checkSkew(clockSkewMs) * 1000;
    this.#fetch = fetch;
    this.#now = now;
    Object.freeze(this);
  }

  /**
   * `{status, reason, claims}` for the action the executor is about to carry out: `tool` in `tenant` (both required;
   * `intentDigest` when given). Act only when `status === 'live'`. With `consume: true` the token is used up: the
   * gateway answers live to one consuming call only, across its replicas, and `revoked`/`used` to every later one (a
   * live answer is then neither taken from nor put in the cache). Rejects only when `signal` aborts; rejects with a
   * TypeError when the tenant or the tool is not named, or `consume` is not a boolean (`'true'` read from a setting would
   * otherwise ask a plain verify and take its live answer as the token used up).
   */
  async verify(token, { tenant, tool, intentDigest, consume = false, signal } = {}) {
    if (typeof consume !== 'boolean') throw new TypeError('consume is true or false.');
    const offline = this.#offline.verify(token, { tenant, tool, intentDigest });
    if (!offline.valid) {
      return Object.freeze({ status: offline.reason === 'expired' ? DecisionTokenStatus.EXPIRED : DecisionTokenStatus.INVALID, reason: offline.reason, claims: null });
    }
    const { claims } = offline;
    const key = cacheKey(token);
    const cached = this.#answers.get(key);
    if (cached && this.#now() < cached.until && !(consume && cached.answer.status === DecisionTokenStatus.LIVE)) return cached.answer;
    const answer = await this.#ask(token, claims, consume, signal);
    if (!(consume && answer.status === DecisionTokenStatus.LIVE)) this.#remember(key, claims, answer);
    return answer;
  }

  /** `verify` with `consume: true`: live once only. */
  consume(token, expected = {}) {
    return this.verify(token, { ...expected, consume: true });
  }

  async #ask(token, claims, consume, signal) {
    signal?.throwIfAborted();
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    let response;
    let text;
    try {
      response = await this.#fetch(this.#endpoint, {
        method: 'POST',
        headers: { Authorization: `Bearer ${this.#executorToken}`, 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify(consume ? { token, consume: true } : { token }),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        redirect: 'manual',
      });
      // A redirect is never the gateway's answer (nor followed: the token is not re-posted elsewhere); a `fetch` option
      // that followed one anyway is refused too, since another origin could answer live for a revoked or used token.
      if ((response.status >= 300 && response.status <= 399) || response.type === 'opaqueredirect' || response.redirected) return UNEXPECTED;
      if (response.status === 401 || response.status === 403) return unavailable('credential_refused');
      if (response.status >= 500) return unavailable('gateway_error');
      const mediaType = (response.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
      if (response.status !== 200 || mediaType !== 'application/json') return UNEXPECTED;
      const length = Number(response.headers.get('content-length') ?? 0);
      if (length > MAX_ANSWER_BYTES) return UNEXPECTED;
      text = await response.text();
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      return unavailable(timeout.aborted ? 'timeout' : 'gateway_unreachable');
    } finally {
      if (response && text === undefined) await response.body?.cancel().catch(() => {});
    }
    return text.length > MAX_ANSWER_BYTES ? UNEXPECTED : readAnswer(text, claims, consume);
  }

  #remember(key, claims, answer) {
    const now = this.#now();
    const lastValid = claims.expiresAt * 1000 + this.#skewMs;
    let until;
    if (answer.status === DecisionTokenStatus.LIVE && this.#liveCacheMs > 0) until = Math.min(now + this.#liveCacheMs, lastValid);
    else if (answer.status === DecisionTokenStatus.REVOKED) until = lastValid;
    else return;
    if (this.#answers.size >= PRUNE_THRESHOLD) {
      for (const [id, entry] of this.#answers) if (entry.until <= now) this.#answers.delete(id);
    }
    this.#answers.set(key, { answer, until });
  }
}

// The cache's key: the SHA-256 of the whole token (its signature included), so only the very token answered is answered again.
const cacheKey = (token) => createHash('sha256').update(token, 'utf8').digest('base64');

/**
 * The gateway's 200 answer for a token whose claims verified offline; anything but the documented shape is unexpected.
 * A consuming call is live only with `"consumed": true` (a gateway that does not consume is never taken as having done so).
 */
function readAnswer(text, claims, consume) {
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    return UNEXPECTED;
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return UNEXPECTED;
  const str = (name) => (typeof body[name] === 'string' ? body[name] : undefined);
  const status = str('status');
  const reason = str('reason');
  const sameToken = str('token_id') === claims.tokenId;
  if (reason !== undefined && !REASON_CODE.test(reason)) return UNEXPECTED;
  const answer = (s, r) => Object.freeze({ status: s, reason: r, claims });
  if (status === 'live' && reason === undefined && sameToken && (!consume || body.consumed === true)) return answer(DecisionTokenStatus.LIVE, null);
  if (status === 'revoked' && reason !== undefined && sameToken) return answer(DecisionTokenStatus.REVOKED, reason);
  if (status === 'expired' && sameToken) return answer(DecisionTokenStatus.EXPIRED, reason ?? 'expired');
  if (status === 'invalid' && reason !== undefined) return answer(DecisionTokenStatus.INVALID, reason);
  return UNEXPECTED;
}
