// Key-pair signing (RFC 9421): the shared vectors (tests/vectors/agent-protocol.json, message_signatures), which the
// gateway and the other two SDKs are tested against too, and the bundle's key-agent against the REAL gateway.
import assert from 'node:assert/strict';
import { createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  GamutAuthenticationError, GamutClient, GamutConfigurationError, MESSAGE_SIGNATURE_COMPONENTS, PERSON_COMPONENT, PERSON_HEADER, RUN_COMPONENT,
  RUN_HEADER, agentPrivateKey, contentDigest,
  messageSignatureHeaders, signMessage, signatureBase, signatureParams,
} from '../src/index.js';
import { REPO_ROOT, rejection, useGateway } from './support/gateway.js';

const allVectors = JSON.parse(readFileSync(join(REPO_ROOT, 'tests', 'vectors', 'agent-protocol.json'), 'utf8'));
const vectors = allVectors.message_signatures;
const runVectors = allVectors.run_signing.message_signatures;
const keys = Object.fromEntries(vectors.keys.map((k) => [k.name, k]));

function verifies(key, base, signature) {
  const publicKey = createPublicKey({ key: Buffer.from(key.public_key_spki, 'base64'), format: 'der', type: 'spki' });
  const data = Buffer.from(base, 'utf8');
  return key.alg === 'ed25519' ? verify(null, data, publicKey, signature) : verify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature);
}

describe('shared vectors: RFC 9421 message signatures', () => {
  for (const v of [...vectors.requests, ...runVectors.requests]) {
    test(`signature base and signature: ${v.name}`, () => {
      const key = keys[v.key];
      const agentKey = agentPrivateKey(key.private_key_pem);
      assert.equal(agentKey.alg, key.alg);
      assert.equal(contentDigest(v.body, v.digest_algorithms), v.content_digest);
      const params = { created: v.created, nonce: v.nonce, keyId: key.key_id, alg: key.alg, personToken: v.person, runId: v.run };
      assert.equal(`sig1=${signatureParams(params)}`, v.signature_input);
      assert.ok(v.signature_input.includes(`"${PERSON_COMPONENT}"`) === (v.person !== undefined));
      assert.ok(v.signature_input.includes(`"${RUN_COMPONENT}"`) === (v.run !== undefined));
      const base = signatureBase({ ...v, targetUri: v.target_uri, contentDigest: v.content_digest, ...params });
      assert.equal(base, v.signature_base);
      const signature = signMessage(agentKey, base);
      if (v.deterministic) assert.equal(`sig1=:${signature.toString('base64')}:`, v.signature);
      assert.ok(verifies(key, base, signature));
      assert.ok(verifies(key, base, Buffer.from(v.signature.slice('sig1=:'.length, -1), 'base64')));
      assert.ok(!verifies(key, base + ' ', signature));
    });
  }

  // Whether the vector's published signature verifies over its base built with `extensions` (a person, a run).
  function verifiesOver(v, extensions) {
    const key = keys[v.key];
    const base = signatureBase({ ...v, targetUri: v.target_uri, contentDigest: v.content_digest, created: v.created, nonce: v.nonce,
      keyId: key.key_id, alg: key.alg, ...extensions });
    return verifies(key, base, Buffer.from(v.signature.slice('sig1=:'.length, -1), 'base64'));
  }

  test('a person vector signed over another person\'s token does not verify', () => {
    const v = vectors.requests.find((r) => r.person !== undefined);
    assert.ok(!verifiesOver(v, { personToken: v.person.slice(0, -1) + (v.person.endsWith('A') ? 'B' : 'A') }));
  });

  test('a run vector covers the run after the six: over another run, or none, it does not verify', () => {
    assert.deepEqual(runVectors.components, [...MESSAGE_SIGNATURE_COMPONENTS, RUN_COMPONENT]);
    const v = runVectors.requests[0];
    assert.ok(verifiesOver(v, { runId: v.run }));
    assert.ok(!verifiesOver(v, { runId: `run-${'0'.repeat(32)}` }));
    assert.ok(!verifiesOver(v, {}));
  });

  test('messageSignatureHeaders for a person in a run covers the person, then the run', () => {
    const key = keys['ed25519-demo'];
    const agentKey = agentPrivateKey(key.private_key_pem);
    const run = runVectors.requests[0].run;
    const identity = { tenant: 'demo', workspace: 'ws-demo', agentId: 'key-agent', agentKey, keyId: key.key_id };
    const headers = messageSignatureHeaders(identity, 'POST', 'https://gw.example/v1/evaluate', Buffer.from('{}'), Date.now(), 'a.b.c', run);
    assert.deepEqual([headers[PERSON_HEADER], headers[RUN_HEADER]], ['a.b.c', run]);
    assert.match(headers['Signature-Input'], /"x-gamut-agent" "x-gamut-person" "x-gamut-run"\);/);
    const [, created] = headers['Signature-Input'].match(/;created=(\d+);/);
    const [, nonce] = headers['Signature-Input'].match(/;nonce="([^"]+)"/);
    const base = signatureBase({ method: 'POST', targetUri: 'https://gw.example/v1/evaluate', contentDigest: headers['Content-Digest'], tenant: 'demo',
      workspace: 'ws-demo', agent: 'key-agent', created: Number(created), nonce, keyId: key.key_id, alg: key.alg, personToken: 'a.b.c', runId: run });
    assert.ok(base.endsWith(`"x-gamut-person": a.b.c\n"x-gamut-run": ${run}\n"@signature-params": ${headers['Signature-Input'].slice('sig1='.length)}`));
    assert.ok(verifies(key, base, Buffer.from(headers.Signature.slice('sig1=:'.length, -1), 'base64')));
  });

  test('messageSignatureHeaders with a person sends X-Gamut-Person and covers it', () => {
    const agentKey = agentPrivateKey(keys['ed25519-demo'].private_key_pem);
    const identity = { tenant: 'demo', workspace: 'ws-demo', agentId: 'key-agent', agentKey, keyId: 'demo-ed25519-2026' };
    const withPerson = messageSignatureHeaders(identity, 'POST', 'https://gw.example/v1/evaluate', Buffer.from('{}'), Date.now(), 'a.b.c');
    const without = messageSignatureHeaders(identity, 'POST', 'https://gw.example/v1/evaluate', Buffer.from('{}'));
    assert.equal(withPerson[PERSON_HEADER], 'a.b.c');
    assert.match(withPerson['Signature-Input'], /"x-gamut-agent" "x-gamut-person"\);/);
    assert.equal(without[PERSON_HEADER], undefined);
    assert.match(without['Signature-Input'], /"x-gamut-agent"\);/);
  });

  test('the same key as base64 PKCS#8 DER is read as the PEM is', () => {
    const fromDer = agentPrivateKey(keys['ed25519-demo'].private_key_pkcs8);
    const fromPem = agentPrivateKey(keys['ed25519-demo'].private_key_pem);
    assert.deepEqual(signMessage(fromDer, 'x'), signMessage(fromPem, 'x'));
  });
});

describe('key-pair configuration', () => {
  const base = { baseUrl: 'http://127.0.0.1:1', tenant: 'demo', workspace: 'ws-demo', agentId: 'key-agent' };

  test('fromEnv reads GAMUT_AGENT_PRIVATE_KEY and GAMUT_AGENT_KEY_ID instead of the secret', () => {
    const client = GamutClient.fromEnv({
      GAMUT_BASE_URL: base.baseUrl, GAMUT_TENANT_SLUG: 'demo', GAMUT_WORKSPACE_ID: 'ws-demo', GAMUT_AGENT_ID: 'key-agent',
      GAMUT_AGENT_PRIVATE_KEY: keys['p256-demo'].private_key_pem, GAMUT_AGENT_KEY_ID: 'demo-p256-2026',
    });
    assert.equal(client.agentId, 'key-agent');
  });

  test('a secret and a key together, a key without its id, or a key of another kind are refused without echoing the key', () => {
    assert.throws(() => new GamutClient({ ...base, secret: 's', privateKey: keys['ed25519-demo'].private_key_pem, keyId: 'k' }), GamutConfigurationError);
    assert.throws(() => new GamutClient({ ...base, privateKey: keys['ed25519-demo'].private_key_pem }), GamutConfigurationError);
    const error = assert.throws(() => new GamutClient({ ...base, privateKey: 'bm90IGEga2V5', keyId: 'k' }), (e) => {
      assert.ok(e instanceof GamutConfigurationError);
      assert.ok(!e.message.includes('bm90IGEga2V5'));
      return true;
    });
    assert.equal(error, undefined);
  });
});

describe('key-agent against the real gateway', () => {
  const suite = useGateway(GamutClient);
  const keyAgent = (name) => new GamutClient({
    baseUrl: suite.env.baseUrl, tenant: 'demo', workspace: 'ws-demo', agentId: 'key-agent',
    privateKey: keys[name].private_key_pem, keyId: keys[name].key_id,
  });

  for (const name of ['ed25519-demo', 'p256-demo']) {
    test(`evaluate signed with the ${name} key is answered`, async () => {
      const decision = await keyAgent(name).evaluate('crm.read_contact', { id: '11' });
      assert.equal(decision.decision, 'allow');
    });
  }

  test('invokeTool signed with a key reaches the upstream through the gateway', async () => {
    const action = await keyAgent('ed25519-demo').invokeTool('crm.read_contact', { id: '42' });
    assert.equal(action.invoked, true);
    assert.equal(action.result.name, 'Dana Example');
  });

  // The suite's tenant declares no OpenID provider: a token the gateway refuses itself (person_token_invalid), after
  // the signature over x-gamut-person verified, never person_token_unbound or signature_mismatch.
  const PERSON_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJlcmluIn0.c2lnbmF0dXJl';

  for (const name of ['ed25519-demo', 'p256-demo']) {
    test(`forPerson on the ${name} key signs the token: the gateway checks the token itself`, async () => {
      const before = suite.env.upstream.requests.length;
      const erin = keyAgent(name).forPerson(PERSON_TOKEN);
      const error = await rejection(erin.invokeTool('crm.read_contact', { id: '7' }), GamutAuthenticationError);
      assert.equal(error.code, 'person_token_invalid');
      assert.equal(suite.env.upstream.requests.length, before);
    });
  }

  test('the signing fetch of a key-pair client covers an X-Gamut-Person header set by the caller', async () => {
    const gamut = keyAgent('ed25519-demo');
    const response = await gamut.fetch(`${gamut.baseUrl}/v1/evaluate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [PERSON_HEADER]: PERSON_TOKEN },
      body: JSON.stringify({ tool: 'crm.read_contact', args: { id: '7' } }),
    });
    assert.equal(response.status, 401);
    assert.equal((await response.json()).code, 'person_token_invalid');
  });

  test('the signing fetch of a key-pair client sends a lower-case patch upper-cased, as signed: not 401', async () => {
    const gamut = keyAgent('ed25519-demo');
    // fetch normalises only DELETE, GET, HEAD, OPTIONS, POST and PUT; the gateway reads @method as sent.
    const response = await gamut.fetch(`${gamut.baseUrl}/providers/openai/v1/chat/completions`, {
      method: 'patch', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm' }),
    });
    const text = await response.text();
    assert.notEqual(response.status, 401, text);
  });

  test('gamut.fetch signs the method it sends: a lower-case patch goes out as PATCH, and PATCH is what is signed', async () => {
    const key = keys['ed25519-demo'];
    let sent;
    const gamut = new GamutClient({
      baseUrl: 'https://gw.example', tenant: 'demo', workspace: 'ws-demo', agentId: 'key-agent', privateKey: key.private_key_pem, keyId: key.key_id,
      fetch: async (url, init) => { sent = { url, method: init.method, headers: init.headers }; return new Response('{}', { status: 200 }); },
    });

    await gamut.fetch('https://gw.example/providers/openai/v1/files/f1', { method: 'patch', body: '{}' });

    assert.equal(sent.method, 'PATCH');
    const input = sent.headers.get('signature-input');
    const [, created] = input.match(/;created=(\d+);/);
    const [, nonce] = input.match(/;nonce="([^"]+)"/);
    const base = signatureBase({ method: sent.method, targetUri: 'https://gw.example/providers/openai/v1/files/f1', contentDigest: sent.headers.get('content-digest'),
      tenant: 'demo', workspace: 'ws-demo', agent: 'key-agent', created: Number(created), nonce, keyId: key.key_id, alg: key.alg });
    assert.ok(verifies(key, base, Buffer.from(sent.headers.get('signature').slice('sig1=:'.length, -1), 'base64')));
  });

  test('the key-agent signing with a secret is refused: signature_scheme_mismatch', async () => {
    const hmac = new GamutClient({ baseUrl: suite.env.baseUrl, tenant: 'demo', workspace: 'ws-demo', agentId: 'key-agent', secret: 'not-the-agents-secret-0123456789' });
    const error = await rejection(hmac.evaluate('crm.read_contact', { id: '11' }), GamutAuthenticationError);
    assert.equal(error.code, 'signature_scheme_mismatch');
  });

  test('gamut.fetch signs the target as sent: a #fragment is not part of @target-uri', async () => {
    const key = keys['ed25519-demo'];
    let sent;
    const gamut = new GamutClient({
      baseUrl: 'https://gw.example', tenant: 'demo', workspace: 'ws-demo', agentId: 'key-agent', privateKey: key.private_key_pem, keyId: key.key_id,
      fetch: async (url, init) => { sent = { url, headers: init.headers }; return new Response('{}', { status: 200 }); },
    });

    await gamut.fetch('https://gw.example/providers/docs/mcp?x=1#section', { method: 'GET' });

    const input = sent.headers.get('signature-input');
    const [, created] = input.match(/;created=(\d+);/);
    const [, nonce] = input.match(/;nonce="([^"]+)"/);
    const base = signatureBase({ method: 'GET', targetUri: 'https://gw.example/providers/docs/mcp?x=1', contentDigest: sent.headers.get('content-digest'), tenant: 'demo',
      workspace: 'ws-demo', agent: 'key-agent', created: Number(created), nonce, keyId: key.key_id, alg: key.alg });
    assert.ok(verifies(key, base, Buffer.from(sent.headers.get('signature').slice('sig1=:'.length, -1), 'base64')));
  });
});
