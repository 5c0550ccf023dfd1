// The Node SDK's governed actions against the REAL gateway binary on loopback: the happy paths, every
// fail-closed case with its typed error, and waiting on an approval.
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { describe, test } from 'node:test';
import {
  GamutApprovalDeniedError, GamutApprovalRequiredError, GamutApprovalTimeoutError, GamutAuthenticationError,
  GamutClient, GamutDeniedError, GamutHttpError, GamutIdentityMismatchError, GamutNotInvokedError,
  GamutSecretMaterialError, GamutTimeoutError, verifyReceipt,
} from '../src/index.js';
import { eventually, rejection, useGateway } from './support/gateway.js';
import { startTamperingRelay } from './support/relay.js';

describe('GamutClient against the real gateway', () => {
  const suite = useGateway(GamutClient);
  const { count } = suite;

  test('invokeTool reads a contact through the gateway, which injects the credential', async () => {
    const before = count('/crm/contacts/42');
    const action = await suite.gamut.invokeTool('crm.read_contact', { id: '42' });
    assert.equal(action.invoked, true);
    assert.equal(action.decision, 'allow');
    assert.equal(action.result.name, 'Dana Example');
    assert.equal(count('/crm/contacts/42'), before + 1);
    const received = suite.env.upstream.requests.findLast((r) => r.path === '/crm/contacts/42');
    assert.equal(received.headers.authorization, 'Bearer crm-test-token');
  });

  test('evaluate decides without executing and returns the decision token', async () => {
    const before = suite.env.upstream.requests.length;
    const decision = await suite.gamut.evaluate('crm.read_contact', { id: '7' });
    assert.equal(decision.decision, 'allow');
    assert.equal(decision.invoked, false);
    assert.match(decision.decisionToken, /^v1\./);
    assert.equal(suite.env.upstream.requests.length, before);
  });

  test('the decision token, a bearer token, is left out of JSON.stringify and util.inspect (what console.log writes)', async () => {
    const decision = await suite.gamut.evaluate('crm.read_contact', { id: '11' });
    const token = decision.decisionToken;
    assert.match(token, /^v1\./);
    assert.ok(!JSON.stringify(decision).includes(token));
    assert.ok(!inspect(decision, { depth: 10 }).includes(token));
    assert.ok(!Object.keys(decision).includes('decisionToken'));
    assert.equal(decision.decision, 'allow');
    assert.ok(JSON.stringify(decision).includes('"decision":"allow"'));
  });

  test('evaluate returns a receipt that verifies offline with the gateway\'s JWKS', async () => {
    const decision = await suite.gamut.evaluate('crm.read_contact', { id: '9' });
    const jwks = await (await fetch(`${suite.env.baseUrl}/.well-known/gamut-receipt-keys.json`)).json();
    const claims = verifyReceipt(decision.receipt, jwks);
    assert.equal(claims.decision, 'allow');
    assert.equal(claims.tool, 'crm.read_contact');
    assert.equal(claims.tenant, 'demo');
    assert.ok(Number.isInteger(claims.leaf_index));
  });

  test('evaluate with simulate returns the decision without a token and runs nothing', async () => {
    const before = suite.env.upstream.requests.length;
    const decision = await suite.gamut.evaluate('crm.read_contact', { id: '8' }, { simulate: true });
    assert.equal(decision.decision, 'allow');
    assert.equal(decision.decisionToken, undefined);
    assert.equal(suite.env.upstream.requests.length, before);
  });

  test('context returns the bounded context pack', async () => {
    const action = await suite.gamut.context({ scope: 'workspace', query: 'contact 42', maxBytes: 1000 });
    assert.equal(action.invoked, true);
    assert.match(action.result, /Dana/);
  });

  test('model runs a governed inference through the model connector', async () => {
    const action = await suite.gamut.model('openai', { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] });
    assert.equal(action.invoked, true);
    assert.equal(action.result.choices[0].message.content, 'The gateway streamed this.');
    const received = suite.env.upstream.requests.findLast((r) => r.path === '/v1/chat/completions');
    assert.equal(received.headers.authorization, 'Bearer openai-test-key');
  });

  test('a denial throws GamutDeniedError with the explanation, and the upstream is never called', async () => {
    const error = await rejection(suite.gamut.invokeTool('shell.exec', { cmd: 'rm -rf /' }), GamutDeniedError);
    assert.equal(error.status, 403);
    assert.equal(error.decision, 'block');
    assert.ok(error.explanation.decision_path.some((c) => c.control === 'tool_permission' && c.outcome === 'fail'));
    assert.ok(error.remedies.length > 0);
    assert.equal(count('/exec'), 0);
  });

  test('a non-2xx answer throws GamutHttpError with the problem code', async () => {
    const error = await rejection(suite.gamut.getApproval('apr_does_not_exist'), GamutHttpError);
    assert.equal(error.status, 404);
    assert.equal(error.code, 'not_found');
  });

  test('invoked: false throws GamutNotInvokedError (a simulation never counts as done)', async () => {
    const before = count('/crm/contacts/9');
    const error = await rejection(suite.gamut.invokeTool('crm.read_contact', { id: '9' }, { simulate: true }), GamutNotInvokedError);
    assert.equal(error.decision, 'allow');
    assert.equal(count('/crm/contacts/9'), before);
  });

  test('a timeout throws GamutTimeoutError and the call is not retried', async () => {
    const before = count('/crm/contacts/slow');
    const held = suite.env.upstream.holdSlowCalls();
    try {
      // The upstream holds the call until the test opens its gate, so only the client's timeout can end it. 5 s leaves
      // the gateway ample time to forward it on a loaded machine (a call that times out before the gateway forwards it
      // never reaches the upstream: at 1.5 s that happened in CI) and ends well before the connector's own 10 s timeout.
      await rejection(suite.gamut.invokeTool('crm.read_contact', { id: 'slow' }, { timeoutMs: 5_000 }), GamutTimeoutError);
      await eventually(() => held.arrived > 0, 'the slow call reaching the upstream', 10_000);
    } finally {
      held.open();
    }
    // Once the one slow call has ended at the upstream (dropped with its client, or answered), a retry would have come before: none did.
    await eventually(() => held.ended > 0, 'the slow call ending at the upstream');
    assert.equal(count('/crm/contacts/slow'), before + 1);
  });

  test('a stale credential (wrong secret) throws GamutAuthenticationError', async () => {
    const stale = new GamutClient({ ...suite.env.demo, secret: 'an-old-rotated-secret-value' });
    const error = await rejection(stale.evaluate('crm.read_contact', { id: '1' }), GamutAuthenticationError);
    assert.equal(error.status, 401);
    assert.equal(error.code, 'signature_mismatch');
  });

  test('a revoked credential throws GamutAuthenticationError', async () => {
    const rogue = new GamutClient({ ...suite.env.demo, agentId: 'rogue-agent', secret: suite.env.rogueSecret });
    await rogue.evaluate('crm.read_contact', { id: '1' }).catch((e) => { if (!(e instanceof GamutDeniedError)) throw e; });
    await suite.env.admin('POST', '/tenants/demo/agents/rogue-agent/revoke-secret');
    const error = await rejection(rogue.invokeTool('crm.read_contact', { id: '1' }), GamutAuthenticationError);
    assert.equal(error.code, 'secret_revoked');
  });

  test('an answer naming another agent throws GamutIdentityMismatchError', async () => {
    const relay = await startTamperingRelay(suite.env.baseUrl);
    try {
      const relayed = new GamutClient({ ...suite.env.demo, baseUrl: relay.baseUrl });
      const error = await rejection(relayed.evaluate('crm.read_contact', { id: '1' }), GamutIdentityMismatchError);
      assert.match(error.message, /another-agent/);
    } finally {
      await relay.close();
    }
  });

  test('secret material in a payload is refused before anything is sent', async () => {
    let sent = 0;
    const counting = new GamutClient({ ...suite.env.demo, fetch: (...args) => { sent++; return fetch(...args); } });
    const error = await rejection(counting.invokeTool('crm.update_contact', { id: '1', api_key: 'x' }), GamutSecretMaterialError);
    assert.deepEqual(error.findings, [{ path: '$.args.api_key', kind: 'credential_member' }]);
    await rejection(counting.model('openai', { model: 'm', messages: [{ role: 'user', content: 'Bearer abcdef123456789' }] }), GamutSecretMaterialError);
    assert.equal(sent, 0);
  });

  test('a required approval throws GamutApprovalRequiredError unless the caller waits', async () => {
    const error = await rejection(suite.gamut.invokeTool('payments.refund', { order: 'A-1', amount: 5 }), GamutApprovalRequiredError);
    assert.equal(error.status, 409);
    assert.match(error.approval.id, /^apr_/);
    assert.equal(count('/payments/refunds'), 0);
  });

  test('waitForApproval: approved, then retried once with the warrant', async () => {
    const before = count('/payments/refunds');
    let pendingSeen;
    const action = suite.gamut.invokeTool('payments.refund', { order: 'A-2', amount: 7 }, {
      waitForApproval: { initialIntervalMs: 50, maxIntervalMs: 200, deadlineMs: 60_000, onPending: (a) => { pendingSeen ??= a; } },
    });
    const pending = await eventually(() => pendingSeen, 'the pending approval');
    assert.deepEqual(pending.approvers, ['alice', 'bob']);
    await suite.env.approve(pending.id);
    const result = await action;
    assert.equal(result.invoked, true);
    assert.equal(result.decision, 'allow_and_log');
    assert.equal(count('/payments/refunds'), before + 1);
  });

  test('evaluate with an approved warrant answers without a decision token, and the warrant then runs the action once', async () => {
    const args = { order: 'A-5', amount: 11 };
    const before = count('/payments/refunds');
    const held = await rejection(suite.gamut.invokeTool('payments.refund', args), GamutApprovalRequiredError);
    await suite.env.approve(held.approval.id);
    const warrant = await suite.gamut.waitForApproval(held.approval.id, { tool: 'payments.refund', initialIntervalMs: 50 });
    // The gateway checks the warrant without spending it and issues no token (docs/agent-protocol.md, the evaluate departure).
    const decision = await suite.gamut.evaluate('payments.refund', args, { warrant });
    assert.equal(decision.decision, 'allow_and_log');
    assert.equal(decision.invoked, false);
    assert.equal(decision.decisionToken, undefined);
    assert.equal(count('/payments/refunds'), before);
    const action = await suite.gamut.invokeTool('payments.refund', args, { warrant });
    assert.equal(action.invoked, true);
    assert.match(action.decisionToken, /^v1\./);
    assert.equal(count('/payments/refunds'), before + 1);
  });

  test('waitForApproval: a denied approval throws GamutApprovalDeniedError and nothing runs', async () => {
    const before = count('/payments/refunds');
    let pendingSeen;
    const action = suite.gamut.invokeTool('payments.refund', { order: 'A-3', amount: 9 }, {
      waitForApproval: { initialIntervalMs: 50, maxIntervalMs: 200, onPending: (a) => { pendingSeen ??= a; } },
    });
    const rejected = rejection(action, GamutApprovalDeniedError);
    const pending = await eventually(() => pendingSeen, 'the pending approval');
    await suite.env.deny(pending.id);
    await rejected;
    assert.equal(count('/payments/refunds'), before);
  });

  test('waitForApproval: the deadline passing throws GamutApprovalTimeoutError', async () => {
    const before = count('/payments/refunds');
    await rejection(suite.gamut.invokeTool('payments.refund', { order: 'A-4', amount: 3 }, {
      waitForApproval: { initialIntervalMs: 20, deadlineMs: 100 },
    }), GamutApprovalTimeoutError);
    assert.equal(count('/payments/refunds'), before);
  });
});
