// What /mcp says to a client that has no credentials yet, as the official MCP TypeScript SDK reads it: a 401 whose
// WWW-Authenticate is the RFC 9728 challenge (the protected resource metadata URL, no error, nothing about the
// gateway's signing headers), which starts the SDK's own OAuth flow at the metadata it names.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { extractWWWAuthenticateParams, UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startGateway } from '../lib/gateway.js';

const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } };

describe('/mcp without credentials, as the MCP SDK sees it', () => {
  let gateway;

  before(async () => {
    gateway = await startGateway();
  });

  after(async () => {
    await gateway?.stop();
  });

  test('the 401 is the RFC 9728 challenge the SDK parses, and the body says nothing about X-Gamut headers', async () => {
    const response = await fetch(`${gateway.baseUrl}/mcp`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
      body: JSON.stringify(initialize),
    });
    const body = await response.text();

    assert.equal(response.status, 401);
    const { resourceMetadataUrl, error } = extractWWWAuthenticateParams(response);
    assert.equal(String(resourceMetadataUrl), `${gateway.baseUrl}/.well-known/oauth-protected-resource/mcp`);
    assert.equal(error, undefined);
    assert.equal(JSON.parse(body).code, 'access_token_missing');
    assert.doesNotMatch(body, /x-gamut/i);
  });

  test('an SDK client without an auth provider fails with the 401, not a signing error', async () => {
    const client = new Client({ name: 'no-auth', version: '1.0.0' });
    const failure = await client.connect(new StreamableHTTPClientTransport(new URL(`${gateway.baseUrl}/mcp`))).then(() => null, (e) => e);

    assert.ok(failure instanceof StreamableHTTPError, String(failure));
    assert.equal(failure.code, 401);
  });

  test('an SDK client with an interactive auth provider starts its OAuth flow at the metadata the challenge named', async () => {
    const fetched = [];
    const recordingFetch = async (url, init) => {
      fetched.push(String(url));
      return fetch(url, init);
    };
    const redirects = [];
    const provider = {
      get redirectUrl() { return 'http://127.0.0.1:33418/callback'; },
      get clientMetadata() { return { client_name: 'ide-assistant', redirect_uris: ['http://127.0.0.1:33418/callback'] }; },
      clientInformation: () => ({ client_id: 'ide-assistant' }),
      saveClientInformation: () => {},
      tokens: () => undefined,
      saveTokens: () => {},
      redirectToAuthorization: (url) => { redirects.push(String(url)); },
      saveCodeVerifier: () => {},
      codeVerifier: () => 'unused',
    };
    const client = new Client({ name: 'interactive', version: '1.0.0' });

    const failure = await client.connect(new StreamableHTTPClientTransport(new URL(`${gateway.baseUrl}/mcp`), { authProvider: provider, fetch: recordingFetch }))
      .then(() => null, (e) => e);

    // The SDK read the challenge and went to the resource's metadata, then to the authorization server's.
    assert.ok(failure, 'the connection cannot succeed without a token');
    assert.ok(fetched.includes(`${gateway.baseUrl}/.well-known/oauth-protected-resource/mcp`), fetched.join('\n'));
    assert.ok(fetched.some((u) => u.startsWith(`${gateway.baseUrl}/.well-known/oauth-authorization-server`)), fetched.join('\n'));
    // The gateway grants authorization codes: the SDK sends the person to /oauth/authorize (with PKCE and the resource)
    // and reports UnauthorizedError until the code comes back.
    assert.ok(failure instanceof UnauthorizedError, String(failure));
    assert.ok(redirects[0]?.startsWith(`${gateway.baseUrl}/oauth/authorize`), redirects.join('\n'));
    const authorize = new URL(redirects[0]);
    assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
    assert.equal(authorize.searchParams.get('resource'), `${gateway.baseUrl}/mcp`);
  });
});
