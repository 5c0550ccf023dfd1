// The agent's client: signed, fail-closed calls to the gateway's governed actions.
import { createPublicKey } from 'node:crypto';
import { GATEWAY_ISSUED_SECRET, configFromEnv, resolveConfig } from './config.js';
import { checkDecision, checkIdentity, toolBody } from './decisions.js';
import {
  GamutApprovalDeniedError, GamutApprovalExpiredError, GamutApprovalRequiredError, GamutApprovalTimeoutError,
  GamutConfigurationError, GamutIdentityMismatchError, GamutProtocolError, GamutSecretMaterialError,
} from './errors.js';
import { a2aCall, a2aCard, a2aStream } from './a2a.js';
import { exchange, localRefusal, requestJson, signingFetch } from './http.js';
import { ambientRun, checkRunId, startRun } from './runs.js';
import { agentPrivateKey, checkPersonToken } from './signing.js';

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
   * sent as X-Gamut-Person and covered by each request's signature (also by `fetch`, for provider-native clients). A
   * token that is not a compact JWS (three base64url parts) throws GamutConfigurationError, which does not repeat it.
   */
  forPerson(personToken) {
    return this.#view(checkPersonToken(personToken), this.#run);
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
    const signing = childKey ? { privateKey: childKey.key, keyId: answer.agent } : { secret: answer.secret, [GATEWAY_ISSUED_SECRET]: true };
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
    return checkDecision(this.#config, decision, {
      tool, requireInvoked: false, simulate: body.simulate === true, evaluatedWithWarrant: typeof body.warrant === 'string',
    });
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

  /** GET /v1/approvals/{id}: `{id, status, approvers, approvals, expires_at, warrant?}`. `options`: `{timeoutMs?, signal?}`. */
  async getApproval(id, { timeoutMs, signal } = {}) {
    if (typeof id !== 'string' || !/^[A-Za-z0-9_-]+$/.test(id)) throw new GamutConfigurationError('An approval id is required.');
    const approval = await this.#request('GET', `/v1/approvals/${id}`, undefined, { timeoutMs, signal });
    if (approval?.id !== id) throw new GamutIdentityMismatchError(`The gateway answered for approval '${approval?.id}', not '${id}'.`);
    return approval;
  }

  /**
   * Polls an approval with backoff until approved (returns the warrant), denied, expired, or the deadline
   * (each a typed error). Polling is read-only: nothing is executed while waiting. `signal` aborts the wait at once,
   * a poll in flight included.
   */
  async waitForApproval(id, { deadlineMs = 15 * 60_000, initialIntervalMs = 500, maxIntervalMs = 10_000, signal, tool, onPending } = {}) {
    const deadline = Date.now() + deadlineMs;
    let interval = initialIntervalMs;
    for (;;) {
      const approval = await this.getApproval(id, { signal });
      switch (approval.status) {
        case 'approved': {
          if (typeof approval.warrant !== 'string') throw new GamutProtocolError(`Approval ${id} is approved but carries no warrant.`);
          checkIdentity(this.#config, approval.warrant, 'w1.', tool, `the warrant of approval ${id}`);
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
    return checkDecision(this.#config, answer, { tool, requireInvoked: true });
  }

  async #request(method, target, body, options) {
    return requestJson(this.#config, method, target, body, options, this.#person, this.runId);
  }

  #exchange(method, target, body, options, accept) {
    return exchange(this.#config, method, target, body, options, accept, this.#person, this.runId);
  }

  async #openAIFetch(input, init = {}) {
    try {
      return await this.#signingFetch(input, init);
    } catch (error) {
      if (error instanceof GamutSecretMaterialError || error instanceof GamutConfigurationError) return localRefusal(error);
      throw error;
    }
  }

  #signingFetch(input, init = {}) {
    return signingFetch(this.#config, this.#person, this.runId, input, init);
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
