// Runs (docs/runs.md): one task, many steps. A run is started at the gateway (POST /v1/runs), every action in it
// carries its id in X-Gamut-Run (covered by the signature), its lifecycle events are recorded in order
// (POST /v1/runs/{id}/events), and it ends completed, failed or cancelled.
//
// `await gamut.withRun(options, async (run) => ...)` starts a run, makes every call of `gamut` (and of its views, such as
// forPerson) inside the callback's async context carry it (AsyncLocalStorage), and ends it: completed when the callback
// resolves, failed when it throws. `await gamut.startRun(options)` gives the run without a scope; `run.client` carries it.
import { AsyncLocalStorage } from 'node:async_hooks';
import { requestAs } from './client.js';
import {
  GamutConfigurationError, GamutError, GamutIdentityMismatchError, GamutProtocolError, GamutRunCancelledError, GamutRunEndedError,
} from './errors.js';

/** A run id as the gateway mints it: `run-` and 32 lowercase hex characters. */
export const RUN_ID = /^run-[0-9a-f]{32}$/;

/** The lifecycle events an agent may record; the last three end the run. */
export const RUN_EVENTS = Object.freeze(['started', 'step', 'completed', 'failed', 'cancelled']);
const ENDINGS = new Set(RUN_EVENTS.slice(2));

// The run of the callback being executed, with the agent it belongs to: a client of another agent in the same context
// (a delegated child, say) does not carry it.
const ambient = new AsyncLocalStorage();

/** `runId` when it is a run id, else a GamutConfigurationError. */
export function checkRunId(runId) {
  if (typeof runId !== 'string' || !RUN_ID.test(runId)) {
    throw new GamutConfigurationError('A run id is \'run-\' followed by 32 lowercase hex characters (as POST /v1/runs answers).');
  }
  return runId;
}

/** Whose runs a client carries: the agent (base URL, tenant, agent id) it signs as. */
export function runOwner(client) {
  return `${client.baseUrl}\n${client.tenant}\n${client.agentId}`;
}

/** The run of the enclosing `withRun` callback when it belongs to `client`'s agent. */
export function ambientRun(client) {
  const current = ambient.getStore();
  return current !== undefined && current.owner === runOwner(client) ? current.runId : undefined;
}

/**
 * POST /v1/runs as `client` (a sub-run when `client` carries a run already): the started run. `options`:
 * `{framework?, purpose?, parentRun?, timeoutMs?, signal?}`.
 */
export async function startRun(client, { framework, purpose, parentRun, ...request } = {}) {
  const body = {};
  if (framework !== undefined) body.framework = framework;
  if (purpose !== undefined) body.purpose = purpose;
  if (parentRun !== undefined) body.parent_run = checkRunId(parentRun);
  const answer = await requestAs(client, 'POST', '/v1/runs', body, request);
  if (typeof answer?.run_id !== 'string' || !RUN_ID.test(answer.run_id)) {
    throw new GamutProtocolError('The gateway answered the run\'s start without a run id.');
  }
  if ((answer.tenant ?? client.tenant) !== client.tenant || ![answer.agent, answer.started_by].includes(client.agentId)) {
    throw new GamutIdentityMismatchError(`The run names agent '${answer.agent}' of tenant '${answer.tenant}', not this agent.`, { code: 'identity_mismatch' });
  }
  return new GamutRun(client, answer, request);
}

/**
 * One run of an agent: record `step`s and other `event`s, end it with `complete`, `fail` or `cancel`. `run.client`
 * carries the run on every call (and on its signing `fetch`, hence the MCP transports and provider clients built on it).
 */
export class GamutRun {
  #owner;
  #info;
  #client;
  #request;
  #ended;

  constructor(owner, info, request = {}) {
    this.#owner = owner;
    this.#info = Object.freeze({ ...info });
    this.#client = owner.inRun(info.run_id);
    this.#request = request;
  }

  /** The run id (`run-…`). */
  get id() { return this.#info.run_id; }

  /** The gateway's answer to the start: `run_id`, `agent`, `created_at`, `trace_id`, `parent_run`, … */
  get info() { return this.#info; }

  /** A client bound to this run: every call it makes (and its `fetch`) carries the run. */
  get client() { return this.#client; }

  /** How the run ended as far as this agent knows (`completed`, `failed`, `cancelled`), or undefined. */
  get ended() { return this.#ended; }

  /**
   * POST /v1/runs/{id}/events: one lifecycle event (started, step, completed, failed, cancelled), recorded in order in
   * the audit journal; the last three end the run. An ending refused because an operator cancelled the run first is
   * acknowledged (`cancelled`) and rejects with GamutRunCancelledError.
   */
  async event(type, { name, detail, ...request } = {}) {
    if (!RUN_EVENTS.includes(type)) throw new GamutConfigurationError(`A run event is one of ${RUN_EVENTS.join(', ')}.`);
    const body = { type };
    if (name !== undefined) body.name = name;
    if (detail !== undefined) body.detail = detail;
    let answer;
    try {
      answer = await requestAs(this.#client, 'POST', `/v1/runs/${this.id}/events`, body, { ...this.#request, ...request });
    } catch (error) {
      if (error instanceof GamutRunCancelledError && type !== 'cancelled') await this.#acknowledgeCancel();
      else if (error instanceof GamutRunEndedError) this.#ended ??= 'ended';
      throw error;
    }
    if (ENDINGS.has(type)) this.#ended = type;
    return answer;
  }

  /** A `step` event: one named step of the task, with an optional detail object. */
  step(name, detail) { return this.event('step', { name, detail }); }

  /** Ends the run `completed`. */
  complete(detail) { return this.event('completed', { detail }); }

  /** Ends the run `failed`. */
  fail(detail) { return this.event('failed', { detail }); }

  /** Ends the run `cancelled` (by the agent itself). */
  cancel(detail) { return this.event('cancelled', { detail }); }

  /**
   * Runs `body(run)` with every call of the client that started the run carrying it (in this async context only), and
   * ends the run as `body` ends: completed, or failed with the error's name (and code) when it throws; a body ended by
   * the run's cancellation acknowledges it instead. The error thrown by `body` is rethrown, never replaced.
   */
  async scope(body) {
    let result;
    try {
      result = await ambient.run({ owner: runOwner(this.#owner), runId: this.id }, () => body(this));
    } catch (error) {
      await this.#endAfter(error);
      throw error;
    }
    if (this.#ended === undefined) await this.complete();
    return result;
  }

  /**
   * `await using run = await gamut.startRun(...)` (TypeScript, or a runtime with explicit resource management): a run
   * not ended by then is recorded failed (`{reason: 'not_completed'}`): call `complete()` at the end of the block.
   */
  async [Symbol.asyncDispose]() {
    if (this.#ended === undefined) await this.#endAfter(undefined);
  }

  async #endAfter(error) {
    if (this.#ended !== undefined) return;
    if (error instanceof GamutRunCancelledError) { await this.#acknowledgeCancel(); return; }
    if (error instanceof GamutRunEndedError) { this.#ended = 'ended'; return; }
    const detail = error === undefined
      ? { reason: 'not_completed' }
      : { error: error?.name ?? typeof error, ...(error instanceof GamutError ? { code: error.code } : {}) };
    try {
      await this.fail(detail);
    } catch (refused) {
      if (!(refused instanceof GamutError)) throw refused;
      // The run could not be recorded failed (cancelled meanwhile, say): the body's error is what the caller sees.
    }
  }

  async #acknowledgeCancel() {
    this.#ended = 'cancelled';
    try {
      await requestAs(this.#client, 'POST', `/v1/runs/${this.id}/events`, { type: 'cancelled' }, this.#request);
    } catch (error) {
      if (!(error instanceof GamutError)) throw error;
      // The cancellation stands either way; the acknowledgement only records that the agent saw it.
    }
  }
}
