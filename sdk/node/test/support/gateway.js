// The real gateway for a test file: sdk/testing/gateway.sh (the launcher all three SDK suites share),
// in front of this suite's own upstream, plus the admin calls a test needs (credentials, approvals,
// kill switches).
import { execFile } from 'node:child_process';
import { after, before } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startUpstream } from './upstream.js';

const run = promisify(execFile);
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const LAUNCHER = join(REPO_ROOT, 'sdk', 'testing', 'gateway.sh');

export const DEMO = Object.freeze({
  tenant: 'demo',
  workspace: 'ws-demo',
  agentId: 'demo-agent',
  secret: 'demo-secret-do-not-use-in-production-0123456789', // examples/bundle/secrets (demo only)
});

export async function startEnvironment() {
  const upstream = await startUpstream();
  const workDir = mkdtempSync(join(tmpdir(), 'gamut-sdk-node-'));
  let values;
  try {
    const { stdout } = await run(LAUNCHER, ['start', workDir, upstream.baseUrl], { timeout: 200_000 });
    values = Object.fromEntries(stdout.trim().split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
  } catch (error) {
    await upstream.close();
    throw error;
  }
  const baseUrl = values.GAMUT_TEST_BASE_URL;
  const adminToken = values.GAMUT_TEST_ADMIN_TOKEN;

  async function admin(method, path, body, token = adminToken) {
    const response = await fetch(`${baseUrl}/admin/v1${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`admin ${method} ${path} answered ${response.status}: ${text}`);
    return text ? JSON.parse(text) : undefined;
  }

  let bobToken;
  const env = {
    upstream,
    baseUrl,
    rogueSecret: values.GAMUT_TEST_ROGUE_SECRET,
    adminToken,
    decisionSigningKey: values.GAMUT_TEST_DECISION_SIGNING_KEY,
    demo: { ...DEMO, baseUrl },
    admin,
    putCredential: (name, value) => admin('PUT', `/tenants/demo/credentials/${name}`, { value }),
    async approver() {
      bobToken ??= (await admin('POST', '/tokens', { name: 'bob', roles: ['approver'], tenant: 'demo', person: 'bob' })).token;
      return bobToken;
    },
    /** An admin-API token with role executor, for the verify endpoint. */
    async executorToken() {
      return (await admin('POST', '/tokens', { name: 'crm-executor', roles: ['executor'] })).token;
    },
    /** Suspends an agent of tenant demo for the duration of `body`, then resumes it. */
    async whileSuspended(agent, body) {
      await admin('POST', `/tenants/demo/agents/${agent}/suspend`);
      try {
        return await body();
      } finally {
        await admin('POST', `/tenants/demo/agents/${agent}/resume`);
      }
    },
    /** One run of tenant demo as the admin API shows it: `run` (its status, who ended it) and `records`, its story. */
    runStory: (runId) => admin('GET', `/tenants/demo/runs/${runId}?limit=1000`),
    /** A run's story: every record of it in the audit journal, in order (its start, each action and event). */
    async runRecords(runId) { return (await env.runStory(runId)).records; },
    /** An operator cancels a run of tenant demo through the admin API. */
    cancelRun: (runId, reason = 'stopped by the test\'s operator') => admin('POST', `/tenants/demo/runs/${runId}/cancel`, { reason }),
    async approve(id) { return admin('POST', `/tenants/demo/approvals/${id}/approve`, undefined, await env.approver()); },
    async deny(id) { return admin('POST', `/tenants/demo/approvals/${id}/deny`, undefined, await env.approver()); },
    async stop() {
      await run(LAUNCHER, ['stop', workDir]).catch(() => {});
      rmSync(workDir, { recursive: true, force: true });
      await upstream.close();
    },
  };
  await env.putCredential('crm-token', 'crm-test-token');
  await env.putCredential('payments-key', 'payments-test-key');
  await env.putCredential('openai-key', 'openai-test-key');
  return env;
}

/** Resolves once `predicate()` is truthy (polling; no wall-clock assertion). */
export async function eventually(predicate, what, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await predicate();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A run's records as one line each: the run's own events by type, every other record by its tool and decision (and
 * `:invoked` for the record of an invocation's outcome).
 */
export function story(records) {
  return records.map((r) => (r.run_event ? `event:${r.run_event.type}` : `${r.tool}:${r.decision}${r.invoked ? ':invoked' : ''}`));
}

/** Awaits a rejection of the given type and returns the error (assert.rejects returns nothing). */
export async function rejection(promise, type) {
  try {
    await promise;
  } catch (error) {
    if (!(error instanceof type)) throw new Error(`expected ${type.name}, got ${error?.name}: ${error?.message}`, { cause: error });
    return error;
  }
  throw new Error(`expected ${type.name}, but the call succeeded`);
}

/**
 * Registers before/after hooks for a suite that shares one gateway: returns `{ env, gamut, count }`
 * (filled in by `before`), where `count(path)` is how many requests for `path` reached the upstream.
 */
export function useGateway(GamutClient) {
  const suite = {
    env: undefined,
    gamut: undefined,
    count: (path) => suite.env.upstream.paths().filter((p) => p === path).length,
  };
  before(async () => {
    suite.env = await startEnvironment();
    suite.gamut = new GamutClient(suite.env.demo);
  });
  after(async () => {
    await suite.env?.stop();
  });
  return suite;
}
