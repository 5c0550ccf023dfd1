// The Node SDK's delegate() against the REAL gateway binary on loopback: a child client acting within its grant,
// refused beyond it, a grant widening the parent refused with every widening named, and a child given its own key pair
// (its public half registered, no secret minted) signing with it.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { GamutClient, GamutConfigurationError, GamutDeniedError } from '../src/index.js';
import { DEMO, REPO_ROOT, rejection, useGateway } from './support/gateway.js';

const vectorKeys = Object.fromEntries(JSON.parse(readFileSync(join(REPO_ROOT, 'tests', 'vectors', 'agent-protocol.json'), 'utf8'))
  .message_signatures.keys.map((key) => [key.name, key]));

describe('GamutClient.delegate against the real gateway', () => {
  const suite = useGateway(GamutClient);

  test('delegate returns a client signed as the child, allowed within its grant under its own id', async () => {
    const child = await suite.gamut.delegate({
      name: 'researcher',
      permissions: [{ tool: 'crm.read_contact', actionTypes: ['read'] }],
      dataClassCeiling: 'internal',
      ttlSeconds: 300,
      runId: 'run-sdk-node',
    });
    const action = await child.invokeTool('crm.read_contact', { id: '42' });
    assert.match(child.agentId, /^dlg-[a-z2-7]{26}$/);
    assert.equal(child.delegation.parent, 'demo-agent');
    assert.ok(child.delegation.expiresAt.getTime() - Date.now() <= 300_000);
    assert.equal(action.decision, 'allow');
    assert.deepEqual(action.explanation.actor_chain.map((link) => link.id), ['demo-agent', child.agentId]);
    assert.equal(action.explanation.actor_chain[1].run_id, 'run-sdk-node');
  });

  test('a child asking beyond its grant is denied', async () => {
    const child = await suite.gamut.delegate({ name: 'reader', permissions: [{ tool: 'crm.read_contact' }] });
    const error = await rejection(child.evaluate('crm.update_contact', { id: '42' }), GamutDeniedError);
    assert.ok(error instanceof GamutDeniedError);
    assert.equal(error.decision, 'block');
  });

  for (const [alg, type, options] of [['ed25519', 'ed25519', {}], ['ecdsa-p256-sha256', 'ec', { namedCurve: 'P-256' }]]) {
    test(`delegate with a ${alg} key pair returns a child signing with its own key, holding no secret`, async () => {
      const { privateKey } = generateKeyPairSync(type, options);
      const child = await suite.gamut.delegate({
        name: 'signer', permissions: [{ tool: 'crm.read_contact', actionTypes: ['read'] }], dataClassCeiling: 'internal', privateKey,
      });
      const action = await child.invokeTool('crm.read_contact', { id: '42' });
      const beyond = await rejection(child.evaluate('crm.update_contact', { id: '42' }), GamutDeniedError);
      assert.equal(action.decision, 'allow');
      assert.deepEqual(action.explanation.actor_chain.map((link) => link.id), ['demo-agent', child.agentId]);
      assert.equal(beyond.decision, 'block');
      assert.match(child.delegation.keyFingerprint, /^[0-9a-f]{32}$/);
    });
  }

  test('a key-agent parent issues a key child that signs with its own key, not the parent\'s', async () => {
    const parent = new GamutClient({
      baseUrl: suite.env.baseUrl, tenant: 'demo', workspace: 'ws-demo', agentId: 'key-agent',
      privateKey: vectorKeys['ed25519-demo'].private_key_pem, keyId: vectorKeys['ed25519-demo'].key_id,
    });
    const child = await parent.delegate({
      name: 'signer', permissions: [{ tool: 'crm.read_contact' }], privateKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }),
    });
    const secretChild = await parent.delegate({ name: 'plain', permissions: [{ tool: 'crm.read_contact' }] });
    assert.equal((await child.evaluate('crm.read_contact', { id: '7' })).decision, 'allow');
    assert.equal((await secretChild.evaluate('crm.read_contact', { id: '7' })).decision, 'allow');
  });

  test('a privateKey that is no key rejects before anything is sent, without echoing it', async () => {
    const error = await rejection(suite.gamut.delegate({ name: 'signer', permissions: [{ tool: 'crm.read_contact' }], privateKey: 'bm90IGEga2V5' }), GamutConfigurationError);
    assert.ok(error instanceof GamutConfigurationError);
    assert.ok(!error.message.includes('bm90IGEga2V5'));
  });

  test('a grant widening the parent rejects with delegation_widens_authority naming each widening', async () => {
    const error = await rejection(suite.gamut.delegate({ name: 'too-much', permissions: [{ tool: 'shell.exec' }], atfLevel: 'L4' }), GamutDeniedError);
    assert.ok(error instanceof GamutDeniedError);
    assert.equal(error.code, 'delegation_widens_authority');
    assert.equal(error.status, 403);
    assert.deepEqual(error.problem.widenings.map((w) => w.kind), ['tool', 'atf_level']);
  });
});

describe('GamutClient.delegate with a stubbed gateway answer', () => {
  // A minted child secret is random base64url: a few in a million start like a provider key (sk-, hf_).
  const providerShaped = `sk-${'a1'.repeat(20)}`;
  const stubbedParent = (requests) => new GamutClient({
    baseUrl: 'https://gw.example', ...DEMO,
    fetch: async (url, init) => {
      requests.push({ url: String(url), headers: init.headers });
      const answer = url.endsWith('/v1/delegations')
        ? { agent: 'dlg-aaaaaaaaaaaaaaaaaaaaaaaaaa', tenant: 'demo', secret: providerShaped,
          delegation: { name: 'researcher', parent: 'demo-agent', depth: 1, expires_at: '2030-01-01T00:00:00Z' } }
        : { decision: 'allow', invoked: false, simulated: true };
      return new Response(JSON.stringify(answer), { status: 200, headers: { 'content-type': 'application/json' } });
    },
  });

  test('a gateway-minted child secret shaped like a provider key still yields the child client', async () => {
    const requests = [];
    const child = await stubbedParent(requests).delegate({ name: 'researcher', permissions: [{ tool: 'crm.read_contact' }] });
    assert.equal(child.agentId, 'dlg-aaaaaaaaaaaaaaaaaaaaaaaaaa');
    assert.equal(child.delegation.parent, 'demo-agent');
    // The child (and a view of it) signs as the child.
    await child.forPerson('eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJlcmluIn0.c2lnbmF0dXJl').evaluate('crm.read_contact', { id: '1' }, { simulate: true });
    assert.equal(requests.at(-1).headers['X-Gamut-Agent'], 'dlg-aaaaaaaaaaaaaaaaaaaaaaaaaa');
  });

  test('a provider-key-shaped secret given by the caller is still refused', () => {
    assert.throws(() => new GamutClient({ baseUrl: 'https://gw.example', tenant: 'demo', workspace: 'ws-demo', agentId: 'a', secret: providerShaped }),
      GamutConfigurationError);
  });
});
