// The agent's client: signed, fail-closed calls to the gateway's governed actions.
import { createPublicKey } from 'node:crypto';
import { configFromEnv, resolveConfig } from './config.js';
import { findSecretMaterial } from './detector.js';
import {
  GamutApprovalDeniedError, GamutApprovalExpiredError, GamutApprovalRequiredError, GamutApprovalTimeoutError,
  GamutAuthenticationError, GamutConfigurationError, GamutDeniedError, GamutHttpError,
  GamutIdentityMismatchError, GamutNotInvokedError, GamutProtocolError, GamutRateLimitedError,
  GamutRunCancelledError, GamutRunEndedError, GamutSecretMaterialError, GamutTimeoutError, GamutUpstreamError,
} from './errors.js';
import { a2aCall, a2aCard, a2aStream } from './a2a.js';
import { ambientRun, checkRunId, startRun } from './runs.js';
import { agentPrivateKey, messageSignatureHeaders, signatureHeaders } from './signing.js';

const ALLOW_FAMILY = new Set(['allow', 'allow_and_log', 'degrade']);

// The delegation a child's client was issued under (its clients are frozen, so it is kept beside them).
const DELEGATIONS = new WeakMap();

/** Sends a signed request as `client` (the run scope's events use it; not part of the package's API). */
export let requestAs; // assigned once, in the class's static block
/** Sends a signed request as `client` and answers `{response, text}` whatever its status (the A2A calls use it). */
export let exchangeAs;

export class GamutClient {
  #config;
  #options;
  #person;
  #run;

  static {
    requestAs = (client, method, target, body, options) => client.#request(method, target, body, options);
    exchangeAs = (client, method, target, body, options, accept) => client.#exchange(method, target, body, options, accept);
  }

  /**
   * `options`: exactly baseUrl, tenant, workspace, agentId and secret — or, for an agent registered with a public key,
   * privateKey (a KeyObject, PEM or base64 PKCS#8; Ed25519 or P-256) and keyId instead of secret — (+ timeoutMs,
   * fetch, allowInsecureHttp). Anything else is refused. A plain-http baseUrl is refused unless its host is loopback
   * or `allowInsecureHttp` is true.
   */
  constructor(options) {
    this.#config = resolveConfig(options);
    this.#options = options;
    /** A `fetch` that signs every request to this gateway and refuses any other origin (for provider-native clients). */
    this.fetch = this.#signingFetch.bind(this);
    Object.freeze(this);
  }

  /**
   * A client from GAMUT_BASE_URL, GAMUT_TENANT_SLUG, GAMUT_WORKSPACE_ID, GAMUT_AGENT_ID, GAMUT_BYO_AGENT_SECRET (and
   * GAMUT_ALLOW_INSECURE_HTTP).
   */
  static fromEnv(env = process.env, settings = {}) {
    return new GamutClient({ ...configFromEnv(env), ...settings });
  }

  get baseUrl() { return this.#config.baseUrl; }
  get tenant() { return this.#config.tenant; }
  get workspace() { return this.#config.workspace; }
  get agentId() { return this.#config.agentId; }

  /** The identity token of the person every call of this client acts for (`forPerson`); undefined for the agent alone. */
  get personToken() { return this.#person; }

  /**
   * A client whose calls act for the person `personToken` names: their identity token from the tenant's OpenID provider,
   * sent as X-Gamut-Person and covered by each request's signature (also by `fetch`, for provider-native clients).
   */
  forPerson(personToken) {
    if (typeof personToken !== 'string' || personToken.trim() === '') throw new GamutConfigurationError('A person\'s identity token is required.');
    return this.#view(personToken, this.#run);
  }

  /**
   * The run every call of this client carries: the one it is bound to (`inRun`), else the run of the enclosing `withRun`
   * callback of this agent, else undefined.
   */
  get runId() { return this.#run ?? ambientRun(this); }

  /**
   * A client whose calls (and signing `fetch`) belong to the run `runId`: each sends X-Gamut-Run, covered by the
   * signature.
   */
  inRun(runId) {
    return this.#view(this.#person, checkRunId(runId));
  }

  /**
   * POST /v1/runs: starts a run (a sub-run of the one this client carries, if any) and returns it; `run.client`
   * carries it, `run.step()`/`run.event()` record its events, `run.complete()`/`run.fail()` end it. `options`:
   * `{framework?, purpose?, parentRun?, timeoutMs?, signal?}`.
   */
  startRun(options = {}) {
    return startRun(this, options);
  }

  /**
   * Starts a run, calls `body(run)` with every call of this client (and of its views) in the callback's async context
   * carrying the run, and ends the run as `body` ends: completed, or failed when it throws (the error is rethrown). An
   * operator's cancel surfaces as GamutRunCancelledError. Resolves to what `body` resolves to.
   */
  async withRun(options, body) {
    if (typeof options === 'function') [options, body] = [{}, options];
    return (await startRun(this, options)).scope(body);
  }

  #view(person, run) {
    const client = new GamutClient(this.#options);
    client.#person = person;
    client.#run = run;
    return client;
  }

  /**
   * For a delegated child's client: `{agentId, name, parent, depth, expiresAt}` (and `keyFingerprint` for a child given a
   * key pair); undefined for a registered agent's.
   */
  get delegation() { return DELEGATIONS.get(this); }

  /**
   * POST /v1/delegations: issues a short-lived child identity that only narrows this agent and returns a client signed
   * as the child with its own id and secret (shown nowhere else). `grant`: `{name, permissions: [{tool, actionTypes?}],
   * atfLevel?, dataClassCeiling?, ttlSeconds?, runId?, mayDelegate?, privateKey?}`. With `privateKey` (the child's own
   * Ed25519 or P-256 key: a KeyObject, PEM or base64 PKCS#8) its public half is registered instead of a secret being
   * minted, and the child's client signs with it (RFC 9421, its own id as key id). The child is governed like any agent against this
   * agent's entry narrowed by the grant, and refused from its next request once this agent is suspended, loses the
   * permission, or the grant is revoked or expires. A grant asking beyond this agent rejects with a GamutDeniedError
   * whose code is `delegation_widens_authority` (each widening in `error.problem.widenings`).
   */
  async delegate(grant, options = {}) {
    if (grant === null || typeof grant !== 'object' || !Array.isArray(grant.permissions)) {
      throw new GamutConfigurationError('A delegation needs a name and a list of permissions.');
    }
    const body = {
      name: grant.name,
      permissions: grant.permissions.map(({ tool, actionTypes }) => (actionTypes ? { tool, action_types: actionTypes } : { tool })),
    };
    if (grant.atfLevel !== undefined) body.atf_level = grant.atfLevel;
    if (grant.dataClassCeiling !== undefined) body.data_class_ceiling = grant.dataClassCeiling;
    if (grant.ttlSeconds !== undefined) body.ttl_seconds = grant.ttlSeconds;
    if (grant.runId !== undefined) body.run_id = grant.runId;
    if (grant.mayDelegate) body.may_delegate = true;
    const childKey = grant.privateKey === undefined ? undefined : delegatedKey(grant.privateKey);
    if (childKey) body.public_key = { alg: childKey.alg, key: createPublicKey(childKey.key).export({ type: 'spki', format: 'der' }).toString('base64') };
    const answer = await this.#request('POST', '/v1/delegations', body, options);
    const issued = answer?.delegation;
    if (typeof answer?.agent !== 'string' || issued === null || typeof issued !== 'object'
      || (childKey ? answer.secret !== undefined || issued.public_key?.key_id !== answer.agent : typeof answer.secret !== 'string')) {
      throw new GamutProtocolError('The gateway answered the delegation without the child\'s id and secret (or, for a key child, its key).');
    }
    if (answer.tenant !== this.#config.tenant || issued.parent !== this.#config.agentId) {
      throw new GamutIdentityMismatchError(`The delegation names tenant '${answer.tenant}' and parent '${issued.parent}', not this agent.`, { code: 'identity_mismatch' });
    }
    const { baseUrl, tenant, workspace, timeoutMs, fetch, allowInsecureHttp } = this.#config;
    const signing = childKey ? { privateKey: childKey.key, keyId: answer.agent } : { secret: answer.secret };
    const child = new GamutClient({ baseUrl, tenant, workspace, agentId: answer.agent, ...signing, timeoutMs, fetch, allowInsecureHttp });
    DELEGATIONS.set(child, Object.freeze({
      agentId: answer.agent, name: issued.name, parent: issued.parent, depth: issued.depth, expiresAt: new Date(issued.expires_at),
      ...(childKey ? { keyFingerprint: issued.public_key.fingerprint } : {}),
    }));
    return child;
  }

  /** The provider-native base URL of a connector, e.g. `<base>/providers/openai`. */
  providerUrl(connector) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(connector)) throw new GamutConfigurationError(`'${connector}' is not a connector name.`);
    return `${this.#config.baseUrl}/providers/${connector}`;
  }

  /**
   * Options for `new OpenAI(...)`: the gateway's provider route and this signing fetch. The gateway holds the key. A
   * request the SDK refuses before sending (secret material, another origin) comes back to the client as a 400 OpenAI
   * error object with the refusal's code, message and findings (`localRefusal`): the client reports an error its fetch
   * throws as a bare "Connection error.", so the reason would be lost.
   */
  openAIOptions(connector = 'openai') {
    return { baseURL: this.providerUrl(connector), apiKey: 'gamut-signed-request', fetch: this.#openAIFetch.bind(this), maxRetries: 0 };
  }

  /** POST /v1/evaluate: decide only. Returns the decision for the allow family; throws for every other outcome. */
  async evaluate(tool, args = {}, options = {}) {
    const body = toolBody(tool, args, options);
    const decision = await this.#request('POST', '/v1/evaluate', body, options);
    return this.#checkDecision(decision, { tool, requireInvoked: false, simulate: body.simulate === true });
  }

  /** POST /v1/actions/invoke-tool. With `waitForApproval`, waits on a required approval and retries once with its warrant. */
  async invokeTool(tool, args = {}, options = {}) {
    return this.#governed('/v1/actions/invoke-tool', toolBody(tool, args, options), tool, options);
  }

  /** POST /v1/actions/context: a bounded, tenant-scoped context pack. */
  async context({ scope, query, maxBytes } = {}, options = {}) {
    const body = { scope, query };
    if (maxBytes !== undefined) body.max_bytes = maxBytes;
    return this.#governed('/v1/actions/context', body, undefined, options);
  }

  /** POST /v1/actions/model: a provider-native request through a model connector (the gateway holds the key). */
  async model(connector, request, options = {}) {
    return this.#governed('/v1/actions/model', { connector, request }, connector, options);
  }

  /** GET /v1/approvals/{id}: `{id, status, approvers, approvals, expires_at, warrant?}`. */
  async getApproval(id) {
    if (typeof id !== 'string' || !/^[A-Za-z0-9_-]+$/.test(id)) throw new GamutConfigurationError('An approval id is required.');
    const approval = await this.#request('GET', `/v1/approvals/${id}`, undefined, {});
    if (approval?.id !== id) throw new GamutIdentityMismatchError(`The gateway answered for approval '${approval?.id}', not '${id}'.`);
    return approval;
  }

  /**
   * Polls an approval with backoff until approved (returns the warrant), denied, expired, or the deadline
   * (each a typed error). Polling is read-only: nothing is executed while waiting.
   */
  async waitForApproval(id, { deadlineMs = 15 * 60_000, initialIntervalMs = 500, maxIntervalMs = 10_000, signal, tool, onPending } = {}) {
    const deadline = Date.now() + deadlineMs;
    let interval = initialIntervalMs;
    for (;;) {
      const approval = await this.getApproval(id);
      switch (approval.status) {
        case 'approved': {
          if (typeof approval.warrant !== 'string') throw new GamutProtocolError(`Approval ${id} is approved but carries no warrant.`);
          this.#checkIdentity(approval.warrant, 'w1.', tool, `the warrant of approval ${id}`);
          return approval.warrant;
        }
        case 'denied':
          throw new GamutApprovalDeniedError(`Approval ${id} was denied.`, { code: 'approval_denied' });
        case 'expired':
          throw new GamutApprovalExpiredError(`Approval ${id} expired before it was approved.`, { code: 'approval_expired' });
        case 'pending':
          break;
        default:
          throw new GamutProtocolError(`Approval ${id} has an unknown status '${approval.status}'.`);
      }
      onPending?.(approval);
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new GamutApprovalTimeoutError(`Approval ${id} was still pending at the deadline.`, { code: 'approval_deadline' });
      await sleep(Math.min(interval, remaining), signal);
      interval = Math.min(interval * 2, maxIntervalMs);
    }
  }

  /** GET /a2a/{connector}/.well-known/agent-card.json: the remote agent's card as the gateway serves it to this agent. */
  agentCard(connector, options = {}) { return a2aCard(this, connector, options); }

  /**
   * POST /a2a/{connector} `SendMessage` (`message/send` with `{version: '0.3'}`): `{task}` or `{message}`. A held message
   * throws GamutApprovalRequiredError (with `waitForApproval`, waits and resends it once with the warrant).
   */
  sendMessage(connector, message, options = {}) { return a2aCall(this, connector, 'send', message, options); }

  /** `SendStreamingMessage` (`message/stream`): an async iterator of the stream's events (each reply's `result`). */
  streamMessage(connector, message, options = {}) { return a2aStream(this, connector, message, options); }

  /** `GetTask` (`tasks/get`) of a task this agent opened: the task. */
  getTask(connector, taskId, options = {}) { return a2aCall(this, connector, 'get', { taskId }, options); }

  /** `CancelTask` (`tasks/cancel`) of a task this agent opened: the task. */
  cancelTask(connector, taskId, options = {}) { return a2aCall(this, connector, 'cancel', { taskId }, options); }

  /** `ListTasks` (`tasks/list`; `params`: e.g. `{contextId, pageSize, pageToken}`): `{tasks, …}`, only this agent's tasks. */
  listTasks(connector, params = {}, options = {}) { return a2aCall(this, connector, 'list', params, options); }

  async #governed(target, body, tool, options) {
    let answer;
    try {
      answer = await this.#request('POST', target, body, options);
    } catch (error) {
      // A required approval: the first attempt was refused (not invoked), so one retry with the warrant is safe.
      if (!(error instanceof GamutApprovalRequiredError) || !options.waitForApproval || !error.approval?.id) throw error;
      const wait = options.waitForApproval === true ? {} : options.waitForApproval;
      const warrant = await this.waitForApproval(error.approval.id, { ...wait, tool });
      answer = await this.#request('POST', target, { ...body, warrant }, options);
    }
    return this.#checkDecision(answer, { tool, requireInvoked: true });
  }

  #checkDecision(answer, { tool, requireInvoked, simulate = false }) {
    if (answer === null || typeof answer !== 'object' || typeof answer.decision !== 'string' || typeof answer.invoked !== 'boolean') {
      throw new GamutProtocolError('The gateway answered without a decision.');
    }
    const details = { code: answer.decision, decision: answer.decision, explanation: answer.explanation };
    if (!ALLOW_FAMILY.has(answer.decision)) {
      throw new GamutDeniedError(`The gateway decided ${answer.decision}.`, { ...details, status: 200 });
    }
    if (requireInvoked && !answer.invoked) {
      throw new GamutNotInvokedError(`The gateway decided ${answer.decision} but did not invoke the connector${answer.simulated ? ' (simulation)' : ''}.`, { ...details, code: 'not_invoked' });
    }
    // A simulation may execute nothing, so it carries no token; any token present is still checked.
    if (answer.decision_token !== undefined || (answer.decision !== 'degrade' && !simulate)) {
      if (typeof answer.decision_token !== 'string') throw new GamutIdentityMismatchError('The decision carries no decision token to check the identity against.', details);
      this.#checkIdentity(answer.decision_token, 'v1.', tool, 'the decision token');
    }
    if (answer.upstream_status !== undefined && (answer.upstream_status < 200 || answer.upstream_status > 299)) {
      throw new GamutUpstreamError(`The connector's upstream answered ${answer.upstream_status}.`, { ...details, code: 'upstream_error' }, answer.upstream_status, answer.result);
    }
    return {
      invoked: answer.invoked,
      decision: answer.decision,
      explanation: answer.explanation,
      decisionToken: answer.decision_token,
      result: answer.result,
      upstreamStatus: answer.upstream_status,
      simulated: answer.simulated ?? false,
      // The decision's signed receipt (docs/evidence.md), verifiable offline with verifyReceipt; absent from older gateways.
      receipt: answer.receipt,
    };
  }

  /** The token's payload must name this tenant and agent (and the tool, when known). */
  #checkIdentity(token, prefix, tool, what) {
    const parts = token.split('.');
    let payload;
    try {
      if (!token.startsWith(prefix) || parts.length !== 3) throw new Error('shape');
      payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    } catch {
      throw new GamutIdentityMismatchError(`${what} is not a readable token.`);
    }
    const mismatches = [];
    if (payload.tid !== this.#config.tenant) mismatches.push(`tenant '${payload.tid}'`);
    if (payload.aid !== this.#config.agentId) mismatches.push(`agent '${payload.aid}'`);
    if (tool !== undefined && payload.tool !== undefined && payload.tool !== tool) mismatches.push(`tool '${payload.tool}'`);
    if (mismatches.length > 0) {
      throw new GamutIdentityMismatchError(`${what} names ${mismatches.join(', ')}, not this agent's request.`, { code: 'identity_mismatch' });
    }
  }

  async #request(method, target, body, options) {
    const { response, text } = await this.#exchange(method, target, body, options, 'application/json, application/problem+json');
    let json;
    try {
      json = text.length > 0 ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (response.status < 200 || response.status > 299) throw errorFor(response, json);
    if (json === undefined) throw new GamutProtocolError(`The gateway answered ${response.status} without a JSON body.`);
    return json;
  }

  async #exchange(method, target, body, options, accept) {
    let bytes;
    if (body !== undefined) {
      const findings = findSecretMaterial(body);
      if (findings.length > 0) throw new GamutSecretMaterialError(findings);
      bytes = Buffer.from(JSON.stringify(body), 'utf8');
    }
    // A person's token (per call, else the client's) rides in X-Gamut-Person, the run in X-Gamut-Run, both covered by the signature.
    const headers = this.#sign(method, target, this.#config.baseUrl + target, bytes ?? new Uint8Array(0), undefined, options.personToken ?? this.#person, this.runId);
    headers.Accept = accept;
    if (bytes) headers['Content-Type'] = 'application/json';
    const timeoutMs = options.timeoutMs ?? this.#config.timeoutMs;
    const signal = options.signal ? AbortSignal.any([options.signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs);
    let response;
    let text;
    try {
      response = await this.#config.fetch(this.#config.baseUrl + target, { method, headers, body: bytes, signal, redirect: 'error' });
      text = await response.text();
    } catch (error) {
      if (error?.name === 'TimeoutError' || (error?.name === 'AbortError' && !options.signal?.aborted)) {
        throw new GamutTimeoutError(`No answer from the gateway within ${timeoutMs} ms; the call is not retried.`, { code: 'timeout', cause: error });
      }
      if (error?.name === 'AbortError') throw error;
      throw new GamutHttpError(`The gateway could not be reached: ${error?.cause?.code ?? error?.message}.`, { code: 'gateway_unreachable', cause: error });
    }
    return { response, text };
  }

  /**
   * The signature headers: v1 HMAC with the secret, or RFC 9421 over `targetUri` with the agent's private key; either
   * covers `personToken` (X-Gamut-Person) and `runId` (X-Gamut-Run) when there are.
   */
  #sign(method, target, targetUri, body, headers, personToken, runId) {
    return this.#config.agentKey
      ? messageSignatureHeaders(this.#config, method, targetUri, body, Date.now(), personToken, runId)
      : signatureHeaders(this.#config, method, target, body, Date.now(), headers, personToken, runId);
  }

  async #openAIFetch(input, init = {}) {
    try {
      return await this.#signingFetch(input, init);
    } catch (error) {
      if (error instanceof GamutSecretMaterialError || error instanceof GamutConfigurationError) return localRefusal(error);
      throw error;
    }
  }

  async #signingFetch(input, init = {}) {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const base = new URL(this.#config.baseUrl);
    if (url.origin !== base.origin) {
      throw new GamutConfigurationError(`Refused a request to ${url.origin}: a Gamut agent sends requests to its gateway only.`);
    }
    const body = new Uint8Array(await request.arrayBuffer());
    if (body.length > 0 && /json/i.test(request.headers.get('content-type') ?? 'application/json')) {
      let parsed;
      try { parsed = JSON.parse(Buffer.from(body).toString('utf8')); } catch { parsed = undefined; }
      const findings = parsed === undefined ? [] : findSecretMaterial(parsed);
      if (findings.length > 0) throw new GamutSecretMaterialError(findings);
    }
    const target = url.pathname + url.search;
    const headers = new Headers(request.headers);
    headers.delete('authorization'); // the gateway injects the provider credential; nothing key-like leaves the agent
    const person = headers.get('x-gamut-person') ?? this.#person;
    const run = headers.get('x-gamut-run') ?? this.runId;
    // @target-uri is what the gateway rebuilds from the request as sent: no fragment (HTTP never sends one), no user info.
    for (const [name, value] of Object.entries(this.#sign(request.method, target, url.origin + target, body, headers, person ?? undefined, run ?? undefined))) headers.set(name, value);
    const hasBody = !['GET', 'HEAD'].includes(request.method.toUpperCase()) && body.length > 0;
    // The client's timeout bounds the wait for the answer (its status and headers), as it bounds every other call; a
    // streamed body then flows for as long as it lasts, under the caller's own signal.
    const { timeoutMs } = this.#config;
    const callerSignal = init.signal ?? request.signal; // a Request always has one
    const timer = new AbortController();
    const timeout = setTimeout(() => timer.abort(new DOMException(`No answer within ${timeoutMs} ms`, 'TimeoutError')), timeoutMs);
    try {
      return await this.#config.fetch(url, {
        method: request.method,
        headers,
        body: hasBody ? body : undefined,
        signal: AbortSignal.any([callerSignal, timer.signal]),
        redirect: 'error',
      });
    } catch (error) {
      if (timer.signal.aborted && !callerSignal.aborted) {
        throw new GamutTimeoutError(`No answer from the gateway within ${timeoutMs} ms; the call is not retried.`, { code: 'timeout', cause: timer.signal.reason });
      }
      throw error;
    } finally {
      clearTimeout(timeout);
    }
  }
}

function toolBody(tool, args, { targets, dataClasses, provenance, warrant, simulate } = {}) {
  if (typeof tool !== 'string' || tool.length === 0) throw new GamutConfigurationError('A tool name is required.');
  const body = { tool, args: args ?? {} };
  if (targets !== undefined) body.targets = targets;
  if (dataClasses !== undefined) body.data_classes = dataClasses;
  if (provenance !== undefined) body.provenance = provenance;
  if (warrant !== undefined) body.warrant = warrant;
  if (simulate !== undefined) body.simulate = simulate;
  return body;
}

/** The typed error of a non-2xx answer (a problem+json body, or none). */
/**
 * The answer a provider client gets for a request the SDK refused before sending: 400 with an OpenAI error object
 * (`code` the refusal's, `findings` where it was, `sent: false`), `x-should-retry: false` and `x-gamut-refused-by: sdk`.
 */
function localRefusal(error) {
  const body = { error: { message: error.message, type: 'invalid_request_error', param: null, code: error.code, sent: false } };
  if (error.findings) body.error.findings = error.findings;
  return new Response(JSON.stringify(body), {
    status: 400,
    headers: { 'content-type': 'application/json', 'x-should-retry': 'false', 'x-gamut-refused-by': 'sdk' },
  });
}

export function errorFor(response, problem) {
  const details = {
    status: response.status,
    code: problem?.code ?? `http_${response.status}`,
    decision: problem?.decision,
    explanation: problem?.explanation,
    requestId: problem?.request_id,
    problem,
  };
  const message = `${problem?.detail ?? `The gateway answered ${response.status}.`} (${details.code}, HTTP ${response.status})`;
  switch (response.status) {
    case 401: return new GamutAuthenticationError(message, details);
    case 403: return new GamutDeniedError(message, details);
    case 409:
      if (problem?.approval) return new GamutApprovalRequiredError(message, details);
      if (details.code === 'run_cancelled') return new GamutRunCancelledError(message, details);
      if (details.code === 'run_ended') return new GamutRunEndedError(message, details);
      return new GamutHttpError(message, details);
    case 429: return new GamutRateLimitedError(message, details, Number(response.headers.get('retry-after')) || undefined);
    default: return new GamutHttpError(message, details);
  }
}

function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) { reject(signal.reason); return; }
    const timer = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
    const onAbort = () => { clearTimeout(timer); reject(signal.reason); };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

// A delegated child's own private key, read before anything is sent (never echoed in the error).
function delegatedKey(privateKey) {
  try {
    return agentPrivateKey(privateKey);
  } catch (error) {
    throw new GamutConfigurationError(`A delegated child's privateKey must be an Ed25519 or ECDSA P-256 private key (KeyObject, PEM or base64 PKCS#8): ${error.message.split('\n')[0]}`);
  }
}
