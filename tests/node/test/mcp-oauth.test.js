// A client that knows only OAuth: the MCP TypeScript SDK's own auth support (PrivateKeyJwtProvider from
// auth-extensions, unmodified) against the REAL gateway's /mcp. It discovers the token endpoint from the 401's
// WWW-Authenticate (RFC 9728), proves itself with a client_secret_jwt assertion (HS256 under the agent's runtime
// secret, which is never sent), and calls a governed tool; the same token is refused after a kill switch.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { PrivateKeyJwtProvider } from '@modelcontextprotocol/sdk/client/auth-extensions.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startGateway } from '../lib/gateway.js';
import { DEMO_AGENT } from '../lib/signing.js';
import { startMcpUpstream } from '../lib/upstreams.js';

describe('MCP SDK client with OAuth only, through /mcp', () => {
  let upstream;
  let gateway;
  let client;
  let provider;
  const sent = [];

  before(async () => {
    upstream = await startMcpUpstream();
    gateway = await startGateway({ upstreams: { 'http://127.0.0.1:9200/mcp': upstream.url } });
    provider = new PrivateKeyJwtProvider({
      clientId: `${DEMO_AGENT.tenant}/${DEMO_AGENT.workspace}/${DEMO_AGENT.agent}`,
      privateKey: DEMO_AGENT.secret,
      algorithm: 'HS256',
      expectedIssuer: gateway.baseUrl,
    });
    // Records every request the SDK sends (to prove the secret never leaves the client); changes nothing.
    const recordingFetch = async (url, init) => {
      sent.push({ url: String(url), headers: new Headers(init?.headers), body: init?.body === undefined ? '' : String(init.body) });
      return fetch(url, init);
    };
    client = new Client({ name: 'oauth-only-client', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${gateway.baseUrl}/mcp`), { authProvider: provider, fetch: recordingFetch }));
  });

  after(async () => {
    await client?.close().catch(() => {});
    await gateway?.stop();
    await upstream?.close();
  });

  test('the SDK obtained a short-lived, audience-bound token from the gateway by itself', () => {
    const tokens = provider.tokens();
    assert.equal(tokens.token_type, 'Bearer');
    assert.equal(tokens.expires_in, 300);
    const claims = JSON.parse(Buffer.from(tokens.access_token.split('.')[1], 'base64url').toString('utf8'));
    assert.equal(claims.aud, `${gateway.baseUrl}/mcp`);
    assert.equal(claims.sub, DEMO_AGENT.agent);
    assert.equal(claims.tenant, DEMO_AGENT.tenant);
    const tokenRequest = sent.find((r) => r.url.endsWith('/oauth/token'));
    assert.ok(tokenRequest, 'the SDK asked the token endpoint the metadata named');
    for (const request of sent) {
      assert.ok(!request.body.includes(DEMO_AGENT.secret), `the runtime secret was sent to ${request.url}`);
      for (const [, value] of request.headers) assert.ok(!value.includes(DEMO_AGENT.secret));
    }
  });

  test('tools/list shows only what the agent may use, and a permitted tool is called through the gateway', async () => {
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name);
    assert.ok(names.includes('docs__search'), names.join(', '));
    assert.ok(!names.includes('docs__delete_document'), names.join(', '));

    const result = await client.callTool({ name: 'docs__search', arguments: { query: 'gateway' } });
    assert.ok(!result.isError, JSON.stringify(result));
    assert.deepEqual(upstream.toolCalls.filter((c) => c.name === 'search').at(-1), { name: 'search', args: { query: 'gateway' } });
    const call = upstream.httpRequests.findLast((r) => r.body?.includes('"tools/call"'));
    assert.ok(!String(call.headers.authorization ?? '').includes(provider.tokens().access_token), 'the access token never reaches the upstream');
  });

  test('after the agent\'s secret is revoked, the same token is refused at once and nothing reaches the upstream', async () => {
    const revoke = await fetch(`${gateway.baseUrl}/admin/v1/tenants/demo/agents/demo-agent/revoke-secret`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${gateway.adminToken}` },
    });
    assert.equal(revoke.status, 200, await revoke.text());
    const callsBefore = upstream.toolCalls.length;

    await assert.rejects(client.callTool({ name: 'docs__search', arguments: { query: 'after revoke' } }));

    const direct = await fetch(`${gateway.baseUrl}/mcp`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${provider.tokens().access_token}`, 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/list', params: {} }),
    });
    assert.match(await direct.text(), /secret_revoked/);
    assert.equal(upstream.toolCalls.length, callsBefore);
  });
});
