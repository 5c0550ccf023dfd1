// waitForApproval's `signal` cancels the wait at once, a poll in flight included (as the .NET SDK's token does): against
// a real local server that takes each approval poll and never answers.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { GamutClient, GamutTimeoutError } from '../src/index.js';

const IDENTITY = { tenant: 'demo', workspace: 'ws-demo', agentId: 'demo-agent', secret: 'demo-secret-do-not-use-in-production-0123456789' };

describe('waiting on an approval', () => {
  const server = createServer((req) => { req.resume(); onPoll(req.url); }); // takes the poll, never answers
  let onPoll = () => {};
  const address = () => `http://127.0.0.1:${server.address().port}`;

  before(() => once(server.listen(0, '127.0.0.1'), 'listening'));
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  // Without the signal on the poll, the wait would last the client's 60 s timeout: the test's own limit fails it first.
  test('waitForApproval: the caller\'s signal aborts a poll in flight, as an abort rather than a timeout', { timeout: 20_000 }, async () => {
    const gamut = new GamutClient({ baseUrl: address(), ...IDENTITY, timeoutMs: 60_000 });
    const polled = new Promise((resolve) => { onPoll = resolve; });
    const caller = new AbortController();
    const waiting = gamut.waitForApproval('apr-1', { signal: caller.signal });
    assert.equal(await polled, '/v1/approvals/apr-1');
    caller.abort();
    await assert.rejects(waiting, (error) => error.name === 'AbortError' && !(error instanceof GamutTimeoutError));
  });

  test('getApproval: the caller\'s signal aborts it', { timeout: 20_000 }, async () => {
    const gamut = new GamutClient({ baseUrl: address(), ...IDENTITY, timeoutMs: 60_000 });
    const polled = new Promise((resolve) => { onPoll = resolve; });
    const caller = new AbortController();
    const reading = gamut.getApproval('apr-2', { signal: caller.signal });
    await polled;
    caller.abort();
    await assert.rejects(reading, (error) => error.name === 'AbortError');
  });
});
