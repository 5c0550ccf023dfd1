// GatewayDecisionTokenVerifier as an executor uses it, against the REAL gateway (its own, as every test file here
// starts one): tokens from POST /v1/evaluate (the SDK's own client), the verify endpoint with an executor token
// minted through the admin API, and the agent's kill switch revoking the token.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import { DecisionTokenStatus, GamutClient, GatewayDecisionTokenVerifier, gatewayKey } from '../src/index.js';
import { DEMO, useGateway } from './support/gateway.js';

const TOOL = 'crm.read_contact';

describe('GatewayDecisionTokenVerifier against the real gateway', () => {
  const suite = useGateway(GamutClient);
  let executorToken;

  async function verifier(options = {}) {
    executorToken ??= await suite.env.executorToken();
    return new GatewayDecisionTokenVerifier({
      gatewayUrl: suite.env.baseUrl, executorToken, decisionSigningKey: suite.env.decisionSigningKey, liveCacheMs: 0, ...options,
    });
  }

  const evaluate = async (id) => suite.gamut.evaluate(TOOL, { id });

  test('a token from evaluate is live, with its claims', async () => {
    const decision = await evaluate('executor-1');
    const intentDigest = decision.explanation.intent_digest;
    const result = await (await verifier()).verify(decision.decisionToken, { tenant: 'demo', tool: TOOL, intentDigest });
    assert.deepEqual([result.status, result.reason], [DecisionTokenStatus.LIVE, null]);
    const c = result.claims;
    assert.deepEqual([c.tenant, c.agent, c.tool, c.intentDigest, c.decision, c.evaluation], ['demo', DEMO.agentId, TOOL, intentDigest, 'allow', true]);
    assert.ok(c.requestId);
    assert.ok(Number.isSafeInteger(c.tenantGeneration) && Number.isSafeInteger(c.agentGeneration));
  });

  test('consume that is not a boolean is refused, never taken as a plain verify', async () => {
    const token = (await evaluate('executor-consume')).decisionToken;
    const v = await verifier();
    await assert.rejects(v.verify(token, { tenant: 'demo', tool: TOOL, consume: 'true' }), TypeError);
    await assert.rejects(v.verify(token, { tenant: 'demo', tool: TOOL, consume: 1 }), TypeError);
    assert.equal((await v.consume(token, { tenant: 'demo', tool: TOOL })).status, 'live');
    assert.notEqual((await v.consume(token, { tenant: 'demo', tool: TOOL })).status, 'live');
  });

  test('a tampered token is invalid', async () => {
    const [version, part, mac] = (await evaluate('executor-2')).decisionToken.split('.');
    const renamed = Buffer.from(Buffer.from(part, 'base64url').toString().replace('"demo-agent"', '"rogue-agent"')).toString('base64url');
    const result = await (await verifier()).verify([version, renamed, mac].join('.'), { tenant: 'demo', tool: TOOL });
    assert.deepEqual([result.status, result.reason, result.claims], ['invalid', 'bad_signature', null]);
  });

  test('without a cache, suspending the agent revokes its token at once', async () => {
    const token = (await evaluate('executor-3')).decisionToken;
    const v = await verifier();
    assert.equal((await v.verify(token, { tenant: 'demo', tool: TOOL })).status, 'live');
    const revoked = await suite.env.whileSuspended(DEMO.agentId, () => v.verify(token, { tenant: 'demo', tool: TOOL }));
    assert.deepEqual([revoked.status, revoked.reason, revoked.claims.agent], ['revoked', 'agent_revoked', DEMO.agentId]);
    assert.deepEqual(await v.verify(token, { tenant: 'demo', tool: TOOL }), revoked);
  });

  test('a live answer is reused within the cache time, then the gateway is asked again', async () => {
    const token = (await evaluate('executor-4')).decisionToken;
    const now = () => now.ms;
    now.ms = Date.now();
    const v = await verifier({ liveCacheMs: 5000, now });
    assert.equal((await v.verify(token, { tenant: 'demo', tool: TOOL })).status, 'live');
    const [cached, asked] = await suite.env.whileSuspended(DEMO.agentId, async () => {
      now.ms += 4900;
      const first = await v.verify(token, { tenant: 'demo', tool: TOOL });
      now.ms += 100;
      return [first, await v.verify(token, { tenant: 'demo', tool: TOOL })];
    });
    assert.equal(cached.status, 'live');
    assert.deepEqual([asked.status, asked.reason], ['revoked', 'agent_revoked']);
  });

  test('a token re-signed under a cached live token\'s jti, for another tool, is asked of the gateway: invalid', async () => {
    // A holder of the decision signing key re-signs a live token's payload, its jti kept: the offline check passes, and
    // only the gateway (which binds the payloads it issued) can tell.
    const token = (await evaluate('executor-resigned')).decisionToken;
    const v = await verifier({ liveCacheMs: 5000 });
    assert.equal((await v.verify(token, { tenant: 'demo', tool: TOOL })).status, 'live');
    const payload = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
    const part = Buffer.from(JSON.stringify({ ...payload, tool: 'payments.refund', act: 'b'.repeat(64) })).toString('base64url');
    const mac = createHmac('sha256', gatewayKey(suite.env.decisionSigningKey)).update(`v1.${part}`, 'ascii').digest('base64url');
    const result = await v.verify(`v1.${part}.${mac}`, { tenant: 'demo', tool: 'payments.refund' });
    assert.deepEqual([result.status, result.claims?.tool], ['invalid', 'payments.refund']);
    assert.equal((await v.verify(token, { tenant: 'demo', tool: TOOL })).status, 'live');
  });

  test('a consumed token is live once, then used, through any verifier', async () => {
    const token = (await evaluate('executor-consume')).decisionToken;
    const v = await verifier({ liveCacheMs: 2000 });
    assert.equal((await v.verify(token, { tenant: 'demo', tool: TOOL })).status, 'live');
    const first = await v.consume(token, { tenant: 'demo', tool: TOOL });
    const again = await v.verify(token, { tenant: 'demo', tool: TOOL, consume: true });
    const elsewhere = await (await verifier()).consume(token, { tenant: 'demo', tool: TOOL });
    assert.deepEqual([first.status, first.reason], ['live', null]);
    assert.deepEqual([again.status, again.reason], ['revoked', 'used']);
    assert.deepEqual([elsewhere.status, elsewhere.reason], ['revoked', 'used']);
  });

  test('a verifier that does not name the action it verifies is refused before any call', async () => {
    const token = (await evaluate('executor-6')).decisionToken;
    const v = await verifier();
    await assert.rejects(v.verify(token, { tenant: 'demo' }), TypeError);
    assert.deepEqual(Object.values(await v.verify(token, { tenant: 'demo', tool: 'payments.refund' })), ['invalid', 'wrong_tool', null]);
  });

  test('a credential without the executor role is refused by the gateway: unavailable, credential_refused', async () => {
    const token = (await evaluate('executor-5')).decisionToken;
    const approver = await suite.env.approver();
    for (const credential of [DEMO.secret, suite.env.adminToken, approver]) {
      const result = await (await verifier({ executorToken: credential })).verify(token, { tenant: 'demo', tool: TOOL });
      assert.deepEqual([result.status, result.reason], ['unavailable', 'credential_refused']);
    }
  });
});
