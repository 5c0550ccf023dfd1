// Retry-After on any error status is the error's retryAfterSeconds, as in the Python and .NET SDKs; a 503
// decision_outdated (nothing was forwarded, and the same request with a new nonce is decided afresh) is sent once more
// after its wait, at most 5 s. A real local server stands in for the gateway.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, afterEach, before, describe, mock, test } from 'node:test';
import { GamutClient, GamutHttpError, GamutTimeoutError } from '../src/index.js';

const IDENTITY = { tenant: 'demo', workspace: 'ws-demo', agentId: 'demo-agent', secret: 'demo-secret-do-not-use-in-production-0123456789' };
const TOKEN = `v1.${Buffer.from(JSON.stringify({ tid: 'demo', aid: 'demo-agent', tool: 'crm.read_contact' })).toString('base64url')}.c2ln`;

describe('a 503 with Retry-After', () => {
  let gateway;
  let nonces = [];
  let refusals = 0;
  let code = 'decision_outdated';
  let retryAfter = '1';
  // A late first answer: its 503 comes `lateMs` into the call (the SDK's monotonic clock skips them, nothing waits), and a
  // resend is never answered.
  let lateMs = 0;
  let skippedMs = 0;

  before(async () => {
    gateway = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        nonces.push(req.headers['x-gamut-nonce']);
        if (lateMs > 0 && nonces.length > 1) return;
        skippedMs += lateMs;
        if (nonces.length <= refusals) {
          res.writeHead(503, { 'content-type': 'application/problem+json', 'retry-after': retryAfter });
          res.end(JSON.stringify({ code, status: 503, detail: 'Send the request again.', request_id: 'req-1' }));
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ decision: 'allow', invoked: true, decision_token: TOKEN, result: {} }));
      });
    });
    await new Promise((resolve) => gateway.listen(0, '127.0.0.1', resolve));
  });
  afterEach(() => {
    [lateMs, skippedMs] = [0, 0];
    mock.restoreAll();
  });
  after(async () => {
    gateway.closeAllConnections();
    await new Promise((resolve) => gateway.close(resolve));
  });

  function client(timeoutMs) {
    return new GamutClient({ baseUrl: `http://127.0.0.1:${gateway.address().port}`, ...IDENTITY, timeoutMs });
  }

  /** The monotonic clock as the SDK reads it: real time plus what the late gateway skipped. */
  function skippingClock() {
    const now = performance.now.bind(performance);
    mock.method(performance, 'now', () => now() + skippedMs);
    return () => performance.now();
  }

  test('invokeTool: decision_outdated then no answer times out within the call\'s timeout', async () => {
    // 2 s of the 4 s are gone when the 503 comes: the resend waits 1 s and has only the last second left.
    [nonces, refusals, code, retryAfter, lateMs] = [[], 1, 'decision_outdated', '1', 2000];
    const clock = skippingClock();
    const start = clock();

    await assert.rejects(client(4000).invokeTool('crm.read_contact'), (e) => e instanceof GamutTimeoutError);

    const elapsed = clock() - start;
    assert.ok(elapsed >= 3500 && elapsed <= 6000, `the call took ${elapsed} ms of its 4000`);
    assert.equal(nonces.length, 2);
  });

  test('invokeTool: decision_outdated with less time left than its wait is the error without a resend', async () => {
    [nonces, refusals, code, retryAfter, lateMs] = [[], 1, 'decision_outdated', '1', 1500];
    const clock = skippingClock();
    const start = clock();

    await assert.rejects(client(2000).invokeTool('crm.read_contact'), (e) => e instanceof GamutHttpError
      && e.status === 503 && e.code === 'decision_outdated');

    const elapsed = clock() - start;
    assert.ok(elapsed >= 1500 && elapsed <= 3000, `the call took ${elapsed} ms of its 2000`);
    assert.equal(nonces.length, 1);
  });

  test('invokeTool: decision_outdated is sent once more with a new nonce', async () => {
    [nonces, refusals, code, retryAfter] = [[], 1, 'decision_outdated', '1'];

    const decision = await client().invokeTool('crm.read_contact');

    assert.equal(decision.invoked, true);
    assert.equal(nonces.length, 2);
    assert.notEqual(nonces[0], nonces[1]);
  });

  test('invokeTool: decision_outdated twice is the error with its retryAfterSeconds after one resend', async () => {
    [nonces, refusals, code, retryAfter] = [[], 2, 'decision_outdated', '1'];

    await assert.rejects(client().invokeTool('crm.read_contact'), (e) => e instanceof GamutHttpError
      && e.status === 503 && e.code === 'decision_outdated' && e.retryAfterSeconds === 1);
    assert.equal(nonces.length, 2);
  });

  for (const [refused, wait] of [['store_unavailable', '2'], ['decision_outdated', '30']]) {
    test(`invokeTool: ${refused} with Retry-After ${wait} is not resent and exposes retryAfterSeconds`, async () => {
      [nonces, refusals, code, retryAfter] = [[], 1, refused, wait];

      await assert.rejects(client().invokeTool('crm.read_contact'), (e) => e instanceof GamutHttpError
        && e.status === 503 && e.code === refused && e.retryAfterSeconds === Number(wait));
      assert.equal(nonces.length, 1);
    });
  }
});
