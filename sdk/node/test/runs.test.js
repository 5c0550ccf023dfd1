// The run scope against the REAL gateway: a run started, every action in it carrying X-Gamut-Run (signed) — the
// governed actions, the signing fetch, the MCP transport — its events and ending in the gateway's audit journal in
// order, and an operator's cancel raised as GamutRunCancelledError.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  GamutAuthenticationError, GamutClient, GamutConfigurationError, GamutDeniedError, GamutRunCancelledError, GamutRunEndedError, RUN_HEADER, RUN_ID,
} from '../src/index.js';
import { createMcpTransport } from '../src/mcp.js';
import { REPO_ROOT, rejection, story, useGateway } from './support/gateway.js';

const CONTACT = { id: '42' };
const PERSON_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJlcmluIn0.c2lnbmF0dXJl';
const keys = Object.fromEntries(JSON.parse(readFileSync(join(REPO_ROOT, 'tests', 'vectors', 'agent-protocol.json'), 'utf8'))
  .message_signatures.keys.map((k) => [k.name, k]));

describe('the run scope through the real gateway', () => {
  const suite = useGateway(GamutClient);
  const keyAgent = (name) => new GamutClient({
    baseUrl: suite.env.baseUrl, tenant: 'demo', workspace: 'ws-demo', agentId: 'key-agent', privateKey: keys[name].private_key_pem, keyId: keys[name].key_id,
  });

  test('withRun: every action carries the run, recorded in order with its step, then completed', async () => {
    const gamut = suite.gamut;
    let run;
    const decision = await gamut.withRun({ framework: 'node-tests', purpose: 'read contact 42' }, async (r) => {
      run = r;
      assert.match(r.id, RUN_ID);
      assert.equal(gamut.runId, r.id);
      const evaluated = await gamut.evaluate('crm.read_contact', CONTACT);
      await r.step('looked up the contact', { contact: '42' });
      await gamut.invokeTool('crm.read_contact', CONTACT);
      return evaluated;
    });
    assert.equal(gamut.runId, undefined);
    assert.equal(run.ended, 'completed');
    assert.equal(decision.explanation.run_id, run.id);
    assert.equal(run.info.framework, 'node-tests');
    const records = await suite.env.runRecords(run.id);
    assert.deepEqual(story(records), ['event:created', 'crm.read_contact:allow', 'event:step', 'crm.read_contact:allow', 'crm.read_contact:allow:invoked', 'event:completed']);
    assert.equal(records[2].run_event.name, 'looked up the contact');
    assert.equal((await suite.env.runStory(run.id)).run.status, 'completed');
    assert.ok(records.every((r) => r.run_id === run.id));
  });

  test('withRun: a callback that throws records failed, and the error is rethrown', async () => {
    let run;
    await assert.rejects(suite.gamut.withRun({ purpose: 'divide' }, async (r) => {
      run = r;
      await suite.gamut.evaluate('crm.read_contact', CONTACT);
      throw new RangeError('the model gave up');
    }), RangeError);
    assert.equal(run.ended, 'failed');
    const records = await suite.env.runRecords(run.id);
    assert.equal(story(records).at(-1), 'event:failed');
    assert.deepEqual(records.at(-1).run_event.detail, { error: 'RangeError' });
  });

  test('an operator cancel rejects the next action with GamutRunCancelledError naming the run; nothing more runs', async () => {
    const before = suite.count('/crm/contacts/42');
    let run;
    const error = await rejection(suite.gamut.withRun({ purpose: 'to be cancelled' }, async (r) => {
      run = r;
      await suite.gamut.evaluate('crm.read_contact', CONTACT);
      await suite.env.cancelRun(r.id);
      await suite.gamut.invokeTool('crm.read_contact', CONTACT);
    }), GamutRunCancelledError);
    assert.deepEqual([error.status, error.code, error.runId], [409, 'run_cancelled', run.id]);
    assert.equal(run.ended, 'cancelled');
    assert.equal(suite.count('/crm/contacts/42'), before);
    const shown = await suite.env.runStory(run.id);
    assert.equal(shown.run.status, 'cancelled');
    assert.match(shown.run.ended_by, /^admin:/);
    const refused = shown.records.find((r) => r.decision === 'refused:run_cancelled');
    assert.deepEqual([refused.tool, refused.run_ended_by], ['crm.read_contact', shown.run.ended_by]);
    assert.equal(story(shown.records).at(-1), 'event:cancelled', 'the agent acknowledged the cancel when its callback ended');
  });

  test('a cancel by another process of the agent (its signing fetch) rejects the next action', async () => {
    let run;
    const error = await rejection(suite.gamut.withRun({ purpose: 'cancelled by a supervisor' }, async (r) => {
      run = r;
      const supervisor = new GamutClient(suite.env.demo).inRun(r.id);
      const answer = await supervisor.fetch(`${suite.env.baseUrl}/v1/runs/${r.id}/events`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'cancelled', name: 'supervisor' }),
      });
      assert.equal((await answer.json()).status, 'cancelled');
      await suite.gamut.evaluate('crm.read_contact', CONTACT);
    }), GamutRunCancelledError);
    assert.deepEqual([error.runId, error.runStatus], [run.id, 'cancelled']);
    assert.deepEqual(story(await suite.env.runRecords(run.id)).slice(-2), ['crm.read_contact:refused:run_cancelled', 'event:cancelled']);
  });

  test('a cancel noticed only when the callback ends rejects withRun with GamutRunCancelledError', async () => {
    let run;
    const error = await rejection(suite.gamut.withRun({ purpose: 'cancelled while thinking' }, async (r) => {
      run = r;
      await suite.env.cancelRun(r.id);
    }), GamutRunCancelledError);
    assert.equal(error.runId, run.id);
    assert.equal(run.ended, 'cancelled');
  });

  test('startRun: a bound client carries the run until complete(); after it the run is ended', async () => {
    const run = await suite.gamut.startRun({ framework: 'node-tests', purpose: 'explicit' });
    assert.equal(run.client.runId, run.id);
    assert.equal(suite.gamut.runId, undefined, 'outside a callback only the bound client carries it');
    await run.client.evaluate('crm.read_contact', CONTACT);
    await suite.gamut.evaluate('crm.read_contact', CONTACT);
    await run.complete({ answer: 'Dana' });
    const error = await rejection(run.client.evaluate('crm.read_contact', CONTACT), GamutRunEndedError);
    assert.deepEqual([error.code, error.runStatus], ['run_ended', 'completed']);
    assert.ok(!(error instanceof GamutRunCancelledError));
    assert.deepEqual(story(await suite.env.runRecords(run.id)).slice(0, 3), ['event:created', 'crm.read_contact:allow', 'event:completed']);
  });

  test('a run disposed without complete() is recorded failed (not_completed)', async () => {
    const run = await suite.gamut.startRun({ purpose: 'disposed' });
    await run[Symbol.asyncDispose]();
    assert.equal(run.ended, 'failed');
    assert.deepEqual((await suite.env.runRecords(run.id)).at(-1).run_event.detail, { reason: 'not_completed' });
  });

  test('the signing fetch and the MCP transport carry the run of the callback', async () => {
    const gamut = suite.gamut;
    const run = await gamut.withRun({ purpose: 'provider-native' }, async (r) => {
      const response = await gamut.fetch(`${gamut.baseUrl}/v1/evaluate`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tool: 'crm.read_contact', args: CONTACT }),
      });
      assert.equal((await response.json()).explanation.run_id, r.id);
      const mcp = new Client({ name: 'sdk-test', version: '1.0.0' });
      await mcp.connect(createMcpTransport(gamut));
      try {
        const result = await mcp.callTool({ name: 'crm_read_contact', arguments: CONTACT });
        assert.equal(result._meta['gamut.dev/decision'], 'allow');
      } finally {
        await mcp.close();
      }
      return r;
    });
    const lines = story(await suite.env.runRecords(run.id));
    assert.equal(lines.filter((l) => l === 'crm.read_contact:allow:invoked').length, 1, lines.join(','));
  });

  test('a run started in a run is its sub-run; concurrent callbacks each carry their own', async () => {
    const [outer, inner] = await suite.gamut.withRun({ purpose: 'outer' }, async (o) => [o, await suite.gamut.withRun({ purpose: 'inner' }, async (i) => i)]);
    assert.equal(inner.info.parent_run, outer.id);
    const seen = await Promise.all([1, 2, 3].map((n) => suite.gamut.withRun({ purpose: `parallel ${n}` }, async (r) => {
      await new Promise((resolve) => setTimeout(resolve, 20 * (3 - n)));
      const decision = await suite.gamut.evaluate('crm.read_contact', CONTACT);
      return [r.id, suite.gamut.runId, decision.explanation.run_id];
    })));
    for (const [id, carried, decided] of seen) assert.deepEqual([carried, decided], [id, id]);
    assert.equal(new Set(seen.map(([id]) => id)).size, 3);
  });

  test('the callback does not lend its run to another agent', async () => {
    const other = keyAgent('ed25519-demo');
    await suite.gamut.withRun({ purpose: 'mine' }, async () => {
      assert.equal(other.runId, undefined);
      assert.equal((await other.evaluate('crm.read_contact', CONTACT)).explanation.run_id, undefined);
    });
  });

  test('a key-pair agent covers the run with its RFC 9421 signature; another agent\'s run is refused as foreign', async () => {
    const agent = keyAgent('p256-demo');
    const [run, decision] = await agent.withRun({ purpose: 'signed with a key' }, async (r) => [r, await agent.evaluate('crm.read_contact', CONTACT)]);
    assert.equal(decision.explanation.run_id, run.id);
    const theirs = await agent.startRun({ purpose: 'not yours' });
    const error = await rejection(suite.gamut.inRun(theirs.id).evaluate('crm.read_contact', CONTACT), GamutDeniedError);
    assert.deepEqual([error.status, error.code], [403, 'run_foreign']);
    await theirs.complete();
  });

  test('acting for a person in a run covers both (v1 and RFC 9421); the gateway checks the token itself', async () => {
    // The suite's tenant declares no OpenID provider: a signature over both verified, the token itself is refused.
    for (const client of [suite.gamut, keyAgent('ed25519-demo')]) {
      const run = await client.startRun({ purpose: 'for a person' });
      const error = await rejection(run.client.forPerson(PERSON_TOKEN).evaluate('crm.read_contact', CONTACT), GamutAuthenticationError);
      assert.equal(error.code, 'person_token_invalid', client.agentId);
      await run.complete();
    }
  });

  test('inRun refuses a malformed run id and signs a well-formed one', async () => {
    assert.throws(() => suite.gamut.inRun('run-42'), GamutConfigurationError);
    const run = `run-${'ab'.repeat(16)}`;
    const bound = suite.gamut.inRun(run).forPerson('a.b.c');
    assert.deepEqual([bound.runId, bound.personToken], [run, 'a.b.c']);
    const error = await rejection(suite.gamut.inRun(run).evaluate('crm.read_contact', CONTACT), GamutDeniedError);
    assert.equal(error.code, 'run_foreign');
    assert.equal(RUN_HEADER, 'X-Gamut-Run');
  });
});
