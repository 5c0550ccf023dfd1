// The executor-side verifiers without the gateway: the offline check on tokens made by the protocol's wire format,
// and GatewayDecisionTokenVerifier against a real Node http server standing in for a failing gateway (5xx, an
// answer that is not the documented one, no answer in time) and a port nothing listens on. Tokens the real gateway
// issued, its verify endpoint and revocation are in executor.test.js.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { connect, createServer as createTcpServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { DecisionTokenStatus, DecisionTokenVerifier, GatewayDecisionTokenVerifier, gatewayKey } from '../src/index.js';

const KEY = Buffer.from('decision-signing-key-for-tests-0123456789');
const NOW = 1_800_000_000;
const DIGEST = 'a'.repeat(64);
const clock = (seconds = NOW) => { const c = () => c.ms; c.ms = seconds * 1000; return c; };

function sign(payload, key = KEY) {
  const part = Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)).toString('base64url');
  return `v1.${part}.${createHmac('sha256', key).update(`v1.${part}`).digest('base64url')}`;
}

const claims = (extra = {}) => ({ tid: 'demo', aid: 'a', tool: 't', act: DIGEST, dec: 'allow', iat: NOW, exp: NOW + 300, jti: 'jti-1', ...extra });

describe('DecisionTokenVerifier (offline)', () => {
  test('the tool is required: a verifier that does not name the action would accept a token for any', () => {
    const verifier = new DecisionTokenVerifier(KEY, { now: clock() });
    const token = sign(claims({ tool: 'echo.read' }));
    assert.throws(() => verifier.verify(token, { tenant: 'demo' }), TypeError);
    assert.throws(() => verifier.verify(token, { tenant: 'demo', tool: '' }), TypeError);
    assert.equal(verifier.verify(token, { tenant: 'demo', tool: 'payments.refund' }).reason, 'wrong_tool');
  });

  test('a token with the revocation claims verifies and they are read', () => {
    const token = sign(claims({ tgn: 3, agn: 7, pol: 'sha256:p', rid: 'req-1', apr: 'apr_1', evl: true }));
    const result = new DecisionTokenVerifier(KEY, { now: clock() }).verify(token, { tenant: 'demo', tool: 't', intentDigest: DIGEST });
    assert.equal(result.valid, true, result.reason);
    const c = result.claims;
    assert.deepEqual([c.tenantGeneration, c.agentGeneration, c.policyDigest, c.requestId, c.approvalId, c.evaluation], [3, 7, 'sha256:p', 'req-1', 'apr_1', true]);
  });

  test('a token without them (issued before revocable tokens) still verifies', () => {
    const result = new DecisionTokenVerifier(KEY, { now: clock() }).verify(sign(claims()), { tenant: 'demo', tool: 't' });
    assert.equal(result.valid, true, result.reason);
    assert.equal(result.claims.agent, 'a');
    assert.equal(result.claims.tenantGeneration, undefined);
    assert.equal(result.claims.evaluation, undefined);
  });

  test('a claim this version does not know is skipped (a newer gateway adds claims; the signature covers them)', () => {
    const result = new DecisionTokenVerifier(KEY, { now: clock() }).verify(sign(claims({ future_claim: { x: 1 } })), { tenant: 'demo', tool: 't' });
    assert.equal(result.valid, true, result.reason);
    assert.equal(result.claims.tokenId, 'jti-1');
    assert.equal('future_claim' in result.claims, false);
  });

  test('every refusal has its stable reason', () => {
    const verifier = new DecisionTokenVerifier(KEY, { now: clock() });
    const tamperedPart = Buffer.from(JSON.stringify(claims({ tid: 'evil' }))).toString('base64url');
    const cases = [
      [undefined, 'missing'], ['', 'missing'], ['garbage', 'malformed'], ['v1.onlyonepart', 'malformed'], ['v1.abc.!!!', 'malformed'],
      ['v2.abc.def', 'unsupported_version'],
      [`v1.${tamperedPart}.${sign(claims()).split('.')[2]}`, 'bad_signature'],
      [sign(claims(), Buffer.from('another-key-another-key-another-key-123')), 'bad_signature'],
      [sign(claims({ dec: 'block' })), 'decision_not_allowed'],
      [sign(claims({ exp: NOW + 301 })), 'lifetime_too_long'],
      [sign(claims({ dec: 'maybe' })), 'malformed'],
      [sign(claims({ dec: 'degrade', deg: 'shrink' })), 'malformed'],
      [sign(claims({ jti: undefined })), 'malformed'],
      [sign(claims({ tgn: -1 })), 'malformed'],
      [sign(claims({ agn: '1' })), 'malformed'],
      [sign(claims({ evl: 'yes' })), 'malformed'],
      [sign('null'), 'malformed'],
    ];
    for (const [token, reason] of cases) assert.equal(verifier.verify(token, { tenant: 'demo', tool: 't' }).reason, reason, String(token));
    const token = sign(claims());
    assert.equal(verifier.verify(token, { tenant: 'other', tool: 't' }).reason, 'wrong_tenant');
    assert.equal(verifier.verify(token, { tenant: 'demo', tool: 't2' }).reason, 'wrong_tool');
    assert.equal(verifier.verify(token, { tenant: 'demo', tool: 't', intentDigest: 'b'.repeat(64) }).reason, 'wrong_intent');
  });

  test('expiry and not-before allow the clock skew', () => {
    const now = clock(NOW + 305);
    const verifier = new DecisionTokenVerifier(KEY, { now, clockSkewMs: 5000 });
    const token = sign(claims());
    assert.equal(verifier.verify(token, { tenant: 'demo', tool: 't' }).valid, true);
    now.ms += 1000;
    assert.equal(verifier.verify(token, { tenant: 'demo', tool: 't' }).reason, 'expired');
    assert.equal(new DecisionTokenVerifier(KEY, { now: clock(NOW - 6) }).verify(token, { tenant: 'demo', tool: 't' }).reason, 'not_yet_valid');
  });

  test('gatewayKey reads hex and base64 as the gateway does; short keys are refused', () => {
    assert.deepEqual(gatewayKey('ab'.repeat(32)), Buffer.alloc(32, 0xab));
    assert.deepEqual(gatewayKey(Buffer.alloc(32, 7).toString('base64')), Buffer.alloc(32, 7));
    assert.throws(() => gatewayKey('abcd'), TypeError);
    assert.throws(() => new DecisionTokenVerifier(Buffer.alloc(31)), TypeError);
  });
});

describe('GatewayDecisionTokenVerifier when the gateway cannot answer', () => {
  let server;
  let baseUrl;
  let calls = 0;
  let answer = (req, res) => res.end();

  before(async () => {
    server = createServer((req, res) => { calls += 1; req.resume(); req.on('end', () => answer(req, res)); });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${server.address().port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const verifier = (options = {}) => new GatewayDecisionTokenVerifier({
    gatewayUrl: baseUrl, executorToken: 'executor-token-for-tests-0123456789', decisionSigningKey: KEY, now: clock(), ...options,
  });

  test('5xx, a refused credential and every undocumented answer are unavailable, and asked again', async () => {
    const token = sign(claims());
    const cases = [
      [500, 'application/json', '{"status":"live"}', 'gateway_error'],
      [503, 'application/problem+json', '{"code":"store_unavailable"}', 'gateway_error'],
      [401, 'application/problem+json', '{"code":"admin_token_missing"}', 'credential_refused'],
      [403, 'application/problem+json', '{"code":"tenant_forbidden"}', 'credential_refused'],
      [404, 'application/json', '{"status":"live"}', 'unexpected_answer'],
      [200, 'text/plain', 'live', 'unexpected_answer'],
      [200, 'application/json', 'not json', 'unexpected_answer'],
      [200, 'application/json', '{"status":"alive","token_id":"jti-1"}', 'unexpected_answer'],
      [200, 'application/json', '{"status":"live","token_id":"another-token"}', 'unexpected_answer'],
      [200, 'application/json', '{"status":"live"}', 'unexpected_answer'],
      [200, 'application/json', '{"status":"revoked","token_id":"jti-1"}', 'unexpected_answer'],
      [200, 'application/json', '{"status":"revoked","reason":"Agent\\nrevoked","token_id":"jti-1"}', 'unexpected_answer'],
    ];
    for (const [status, type, body, reason] of cases) {
      answer = (req, res) => res.writeHead(status, { 'content-type': type }).end(body);
      const v = verifier();
      const before = calls;
      const first = await v.verify(token, { tenant: 'demo', tool: 't' });
      const second = await v.verify(token, { tenant: 'demo', tool: 't' });
      assert.deepEqual([first.status, first.reason, first.claims], [DecisionTokenStatus.UNAVAILABLE, reason, null], body);
      assert.deepEqual(second, first);
      assert.equal(calls, before + 2);
    }
  });

  test('a redirect is unexpected_answer, as in .NET and Python, and is never followed to a server answering live', async () => {
    let reachedElsewhere = 0;
    const elsewhere = createServer((req, res) => {
      reachedElsewhere += 1;
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"live","token_id":"jti-1","consumed":true}');
    });
    await new Promise((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
    try {
      for (const status of [301, 302, 307, 308]) {
        answer = (req, res) => res.writeHead(status, { location: `http://127.0.0.1:${elsewhere.address().port}${req.url}` }).end();
        for (const consume of [false, true]) {
          const result = await verifier().verify(sign(claims()), { tenant: 'demo', tool: 't', consume });
          assert.deepEqual([result.status, result.reason, result.claims], ['unavailable', 'unexpected_answer', null], `${status}`);
        }
      }
      assert.equal(reachedElsewhere, 0);
    } finally {
      elsewhere.closeAllConnections();
      await new Promise((resolve) => elsewhere.close(resolve));
    }
  });

  test('a revoked answer is kept until the token expires; the request carries the executor credential', async () => {
    let seen;
    answer = (req, res) => {
      seen = req.headers.authorization;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"revoked","reason":"policy_changed","token_id":"jti-1"}');
    };
    const now = clock();
    const v = verifier({ now, liveCacheMs: 0 });
    const before = calls;
    const revoked = await v.verify(sign(claims()), { tenant: 'demo', tool: 't' });
    now.ms += 299_000;
    assert.deepEqual(await v.verify(sign(claims()), { tenant: 'demo', tool: 't' }), revoked);
    assert.deepEqual([revoked.status, revoked.reason, revoked.claims.agent], ['revoked', 'policy_changed', 'a']);
    assert.equal(calls, before + 1);
    assert.equal(seen, 'Bearer executor-token-for-tests-0123456789');
  });

  test('no answer within the timeout is unavailable', async () => {
    answer = () => {};
    const result = await verifier({ now: Date.now, timeoutMs: 200 }).verify(sign(claims({ iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 300 })), { tenant: 'demo', tool: 't' });
    assert.deepEqual([result.status, result.reason], ['unavailable', 'timeout']);
  });

  test('an unreachable gateway is unavailable', async () => {
    // A loopback port that a connected socket holds and nothing listens on (node cannot bind a socket without listening or
    // connecting): a connection to it is refused for the whole test, and no other process can take the port meanwhile, as
    // it could one closed before the call.
    const peer = createTcpServer();
    await new Promise((resolve) => peer.listen(0, '127.0.0.1', resolve));
    const holder = connect(peer.address().port, '127.0.0.1');
    try {
      await once(holder, 'connect');
      const result = await verifier({ gatewayUrl: `http://127.0.0.1:${holder.localPort}` }).verify(sign(claims()), { tenant: 'demo', tool: 't' });
      assert.deepEqual([result.status, result.reason, result.claims], ['unavailable', 'gateway_unreachable', null]);
    } finally {
      holder.destroy();
      await new Promise((resolve) => peer.close(resolve));
    }
  });

  test('a token failing offline is answered without a call', async () => {
    const before = calls;
    const token = sign(claims());
    assert.deepEqual(Object.values(await verifier().verify(token, { tenant: 'demo', tool: 'other.tool' })), ['invalid', 'wrong_tool', null]);
    assert.deepEqual(Object.values(await verifier({ decisionSigningKey: Buffer.from('another-key-another-key-another-key-123') }).verify(token, { tenant: 'demo', tool: 't' })), ['invalid', 'bad_signature', null]);
    assert.deepEqual(Object.values(await verifier({ now: clock(NOW + 306) }).verify(token, { tenant: 'demo', tool: 't' })), ['expired', 'expired', null]);
    assert.equal(calls, before);
  });

  test('a plain-http gateway URL on a host other than loopback is refused unless allowInsecureHttp', () => {
    for (const gatewayUrl of ['http://gw.example:8080', 'http://10.0.0.5']) {
      assert.throws(() => verifier({ gatewayUrl }), (error) => error instanceof TypeError && /plain http/.test(error.message) && error.message.includes('allowInsecureHttp'));
      assert.ok(verifier({ gatewayUrl, allowInsecureHttp: true }));
    }
    for (const gatewayUrl of ['http://localhost:8080', 'http://127.0.0.2', 'http://[::1]', 'https://gw.example']) assert.ok(verifier({ gatewayUrl }));
    assert.throws(() => verifier({ gatewayUrl: 'http://gw.example', allowInsecureHttp: 'true' }), TypeError);
  });

  test('invalid options are refused without echoing the credential', () => {
    const secret = 'executor-token-for-tests-0123456789';
    for (const options of [{ liveCacheMs: 5001 }, { executorToken: ' ' }, { timeoutMs: 0 }, { gatewayUrl: '/relative' }, { retries: 1 }]) {
      assert.throws(() => verifier(options), (error) => !error.message.includes(secret));
    }
    assert.equal(JSON.stringify(verifier()).includes(secret), false);
  });
});
