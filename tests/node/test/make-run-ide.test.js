// The newcomer's IDE against `make run` itself (examples/run-demo.sh, the example bundle as shipped), connected the way
// docs/mcp.md ("Connect your IDE") says: nothing but the server URL. The official TypeScript SDK's OAuth client (as
// VS Code and the Inspector run it) reads the 401's challenge and the metadata, registers itself (RFC 7591), sends the
// person's browser (a REAL chromium) to /oauth/authorize; the person signs in on the console's Development admin-token
// page with the demo admin token make run prints, allows the client; the SDK exchanges the code, lists the tools, calls
// one, and — its access token living 3 seconds here (Gateway__AccessTokens__Lifetime, which make run passes on) — is
// still connected after that token expired: its next call refreshes the token and goes through.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import puppeteer from 'puppeteer-core';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { allowConsent, startCallbackServer } from '../lib/interactive.js';
import { startMakeRun } from '../lib/make-run.js';

const CHROMIUM = process.env.CHROMIUM ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path));

describe('an IDE connects to make run with nothing but the URL (TypeScript SDK OAuth, chromium)', { skip: CHROMIUM ? false : 'chromium is not installed (build/install-test-deps.sh installs it)' }, () => {
  let demo;
  let callback;
  let browser;

  before(async () => {
    demo = await startMakeRun({ env: { Gateway__AccessTokens__Lifetime: '00:00:03' } });
    callback = await startCallbackServer();
    browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  });

  after(async () => {
    await browser?.close();
    await callback?.close();
    await demo?.stop();
  });

  test('the SDK registers, the person signs in with the demo admin token, tools are listed and called, and a refresh outlives the token', async () => {
    const mcpUrl = new URL(`${demo.baseUrl}/mcp`);
    const provider = registeringProvider(callback.url);
    const client = new Client({ name: 'make-run-ide', version: '1.0.0' });

    // 1. Nothing but the URL: the SDK follows the challenge, registers itself and sends the person to authorize.
    const transport = new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider });
    await assert.rejects(client.connect(transport), (e) => e instanceof UnauthorizedError);
    assert.match(provider.clientInformation()?.client_id ?? '', /^dyn_/, 'a dynamically registered client');
    const authorize = provider.authorizationUrl;
    assert.ok(authorize?.href.startsWith(`${demo.baseUrl}/oauth/authorize`), String(authorize));

    // 2. The person's browser: the Development admin-token sign-in, then the consent page, then Allow.
    const context = await browser.createBrowserContext();
    try {
      const page = await context.newPage();
      await page.goto(authorize.href);
      assert.equal(new URL(page.url()).pathname, '/console/demo/token-sign-in', await page.content());
      await page.type('#admin-token', demo.adminToken);
      await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);
      assert.equal(new URL(page.url()).pathname, '/console/demo/authorize', await page.content());
      const consent = await page.evaluate(() => document.body.innerText);
      assert.match(consent, /demo-agent/);
      assert.match(consent, /bootstrap/);
      await allowConsent(page);
    } finally {
      await context.close();
    }
    const answer = await callback.answered;
    assert.equal(answer.searchParams.get('state'), authorize.searchParams.get('state'));

    // 3. The code for tokens; the SDK connects, lists what the demo agent may use and calls a tool.
    await transport.finishAuth(answer.searchParams.get('code'));
    await client.connect(new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider }));
    try {
      const names = (await client.listTools()).tools.map((t) => t.name);
      for (const name of ['docs__search', 'crm_read_contact', 'tickets_search']) assert.ok(names.includes(name), names.join(', '));
      const first = await client.callTool({ name: 'docs__search', arguments: { query: 'getting started' } });
      assert.ok(!first.isError, JSON.stringify(first));
      const firstToken = provider.tokens().access_token;
      assert.ok(provider.tokens().refresh_token, 'a refresh token');
      assert.equal(provider.tokens().expires_in, 3);

      // 4. The first access token expires (awaited: the gateway refuses it), and the same client still calls.
      await untilRefused(mcpUrl, firstToken);
      const again = await client.callTool({ name: 'docs__search', arguments: { query: 'refunds' } });
      assert.ok(!again.isError, JSON.stringify(again));
      assert.notEqual(provider.tokens().access_token, firstToken, 'the SDK refreshed its token');
      // On a slow machine the 3-second token may also have been refreshed before (at listTools): never a new sign-in.
      assert.ok(provider.saved >= 2, `the code exchange, then refreshes: ${provider.saved} tokens saved`);
      assert.equal(provider.redirects, 1, 'the person was sent to sign in once');
    } finally {
      await client.close().catch(() => {});
    }
  });
});

/** Polls /mcp (an initialize) with `token` until the gateway answers 401 (it has expired); the test's deadline bounds the wait. */
async function untilRefused(mcpUrl, token) {
  for (;;) {
    const response = await fetch(mcpUrl, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'probe', version: '1' } } }),
    });
    await response.arrayBuffer();
    if (response.status === 401) return;
    assert.equal(response.status, 200);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * The SDK's OAuthClientProvider as an IDE keeps it, in memory: no client id of its own (it registers, RFC 7591), a
 * loopback redirect, tokens kept with their refresh token; counts the tokens saved and the sign-ins it was sent to.
 */
function registeringProvider(redirectUrl) {
  let client;
  let tokens;
  let verifier;
  return {
    authorizationUrl: undefined,
    saved: 0,
    redirects: 0,
    get redirectUrl() { return redirectUrl; },
    get clientMetadata() {
      return { client_name: 'IDE', redirect_uris: [redirectUrl], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none' };
    },
    clientInformation: () => client,
    saveClientInformation(value) { client = value; },
    tokens: () => tokens,
    saveTokens(value) { tokens = value; this.saved += 1; },
    redirectToAuthorization(url) { this.authorizationUrl = new URL(url); this.redirects += 1; },
    saveCodeVerifier(value) { verifier = value; },
    codeVerifier: () => verifier,
  };
}
