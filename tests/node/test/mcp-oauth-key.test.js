// An agent registered with a public key, as a client that knows only OAuth: the MCP TypeScript SDK's own
// PrivateKeyJwtProvider (auth-extensions, unmodified) against the REAL gateway's /mcp. The bundle's key-agent (Ed25519,
// rotating to P-256) proves itself with a private_key_jwt assertion (RFC 7523) signed with its private key — EdDSA for
// the Ed25519 key, ES256 for the P-256 one — which never leaves the client, and calls a governed tool; the same
// assertion sent again is refused (its jti is used once).
import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { PrivateKeyJwtProvider } from '@modelcontextprotocol/sdk/client/auth-extensions.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { REPO_ROOT, startGateway } from '../lib/gateway.js';
import { startMcpUpstream } from '../lib/upstreams.js';

const KEYS = Object.fromEntries(JSON.parse(readFileSync(join(REPO_ROOT, 'tests', 'vectors', 'agent-protocol.json'), 'utf8'))
  .message_signatures.keys.map((k) => [k.name, k]));
const CLIENT_ID = 'demo/ws-demo/key-agent';

/** The key-agent may also use docs.search (the example bundle gives it crm.read_contact only). */
function keyAgentMaySearchDocs(text) {
  const edited = text.replace(/(key_id: demo-p256-2026, key: "[^"]+" \}\n    permissions:\n)/, '$1      - { tool: docs.search }\n');
  if (edited === text && text.includes('key-agent')) throw new Error('the example bundle no longer has the key-agent this test edits');
  return edited;
}

describe('MCP SDK client with private_key_jwt only, through /mcp', () => {
  let upstream;
  let gateway;
  const sent = [];
  // Records every request the SDK sends (to prove the private key never leaves the client); changes nothing.
  const recordingFetch = async (url, init) => {
    sent.push({ url: String(url), headers: new Headers(init?.headers), body: init?.body === undefined ? '' : String(init.body) });
    return fetch(url, init);
  };

  before(async () => {
    upstream = await startMcpUpstream();
    gateway = await startGateway({ upstreams: { 'http://127.0.0.1:9200/mcp': upstream.url }, edit: keyAgentMaySearchDocs });
  });

  after(async () => {
    await gateway?.stop();
    await upstream?.close();
  });

  const cases = [
    // jose imports an Ed25519 key as a JWK for EdDSA; a P-256 key as PKCS#8 PEM for ES256.
    { name: 'ed25519-demo', algorithm: 'EdDSA', privateKey: () => createPrivateKey(KEYS['ed25519-demo'].private_key_pem).export({ format: 'jwk' }) },
    { name: 'p256-demo', algorithm: 'ES256', privateKey: () => KEYS['p256-demo'].private_key_pem },
  ];

  for (const { name, algorithm, privateKey } of cases) {
    test(`${algorithm} with the ${name} key: a token is issued, tools are listed and a permitted one is called`, async () => {
      const provider = new PrivateKeyJwtProvider({ clientId: CLIENT_ID, privateKey: privateKey(), algorithm, expectedIssuer: gateway.baseUrl });
      const client = new Client({ name: `key-client-${name}`, version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(`${gateway.baseUrl}/mcp`), { authProvider: provider, fetch: recordingFetch }));
      try {
        const tokens = provider.tokens();
        assert.equal(tokens.token_type, 'Bearer');
        const claims = JSON.parse(Buffer.from(tokens.access_token.split('.')[1], 'base64url').toString('utf8'));
        assert.equal(claims.sub, 'key-agent');
        assert.equal(claims.aud, `${gateway.baseUrl}/mcp`);

        const { tools } = await client.listTools();
        const names = tools.map((t) => t.name);
        assert.ok(names.includes('docs__search'), names.join(', '));
        assert.ok(!names.includes('docs__delete_document'), names.join(', '));
        const result = await client.callTool({ name: 'docs__search', arguments: { query: `signed by ${name}` } });
        assert.ok(!result.isError, JSON.stringify(result));
        assert.deepEqual(upstream.toolCalls.at(-1), { name: 'search', args: { query: `signed by ${name}` } });
      } finally {
        await client.close().catch(() => {});
      }

      const tokenRequest = sent.findLast((r) => r.url.endsWith('/oauth/token'));
      const form = new URLSearchParams(tokenRequest.body);
      assert.equal(form.get('client_assertion_type'), 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
      assert.equal(JSON.parse(Buffer.from(form.get('client_assertion').split('.')[0], 'base64url').toString('utf8')).alg, algorithm);
      const secretPart = createPrivateKey(KEYS[name].private_key_pem).export({ format: 'jwk' }).d;
      for (const request of sent) {
        assert.ok(!request.body.includes(secretPart), `the private key was sent to ${request.url}`);
        for (const [, value] of request.headers) assert.ok(!value.includes(secretPart));
      }
    });
  }

  test('the assertion the SDK sent, sent again, is refused: invalid_grant', async () => {
    const tokenRequest = sent.findLast((r) => r.url.endsWith('/oauth/token'));
    assert.ok(tokenRequest, 'an earlier test obtained a token');

    const replayed = await fetch(`${gateway.baseUrl}/oauth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: tokenRequest.body,
    });

    const answer = await replayed.json();
    assert.equal(replayed.status, 400, JSON.stringify(answer));
    assert.equal(answer.error, 'invalid_grant');
    assert.equal(answer.access_token, undefined);
  });

  test('an assertion signed with a key the agent is not registered with is refused: invalid_client', async () => {
    const stranger = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' });
    const provider = new PrivateKeyJwtProvider({ clientId: CLIENT_ID, privateKey: stranger, algorithm: 'EdDSA', expectedIssuer: gateway.baseUrl });
    const client = new Client({ name: 'stranger', version: '1.0.0' });

    await assert.rejects(
      client.connect(new StreamableHTTPClientTransport(new URL(`${gateway.baseUrl}/mcp`), { authProvider: provider })),
      (error) => {
        // The SDK's own OAuth error for the token endpoint's answer (it retried once, as it does for invalid_client).
        assert.equal(error.constructor.errorCode, 'invalid_client', `${error.name}: ${error.message}`);
        return true;
      },
    );

    assert.equal(provider.tokens(), undefined);
  });
});
