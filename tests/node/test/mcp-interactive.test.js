// A person's interactive MCP client, as the official TypeScript SDK runs it (its OAuthClientProvider interface, no
// hand-made token), against the REAL gateway binary and a REAL OpenID provider (oidc-provider) on loopback, the person's
// browser a REAL chromium: the SDK reads the 401's challenge and the metadata, sends the person to /oauth/authorize with
// PKCE and the resource; the person signs in at the provider through the console's own sign-in, allows the client on
// the console's consent page; the SDK exchanges the code, lists the tools the demo agent may use, calls one, and is
// refused another with a JSON-RPC error; the audit records name the person and the agent.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import puppeteer from 'puppeteer-core';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { allowConsent, inMemoryProvider, signInAndConsent, startCallbackServer, startInteractiveGateway } from '../lib/interactive.js';

const CHROMIUM = process.env.CHROMIUM ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path));
const CLIENT_ID = 'ide-assistant';

describe('a person\'s interactive MCP client (TypeScript SDK, chromium, oidc-provider)', { skip: CHROMIUM ? false : 'chromium is not installed (build/install-test-deps.sh installs it)' }, () => {
  let setup;
  let op;
  let gateway;
  let browser;
  let callback;

  before(async () => {
    setup = await startSetup();
    ({ browser, callback, world: { op, gateway } } = setup);
  });

  after(async () => setup?.close());

  test('the SDK signs the person in, lists and calls what the agent may, and is refused the rest', async () => {
    const provider = inMemoryProvider(callback.url, CLIENT_ID);
    const client = new Client({ name: 'interactive-ide', version: '1.0.0' });
    const mcpUrl = new URL(`${gateway.baseUrl}/mcp`);

    // 1. No token: the SDK follows the challenge and sends the person to the authorization endpoint.
    const transport = new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider });
    await assert.rejects(client.connect(transport), (e) => e instanceof UnauthorizedError);
    const authorize = provider.authorizationUrl;
    assert.ok(authorize?.href.startsWith(`${gateway.baseUrl}/oauth/authorize`), String(authorize));
    assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
    assert.equal(authorize.searchParams.get('resource'), mcpUrl.href);

    // 2. The person's browser: the console's sign-in at the provider, then the console's consent page.
    const consent = await consentInBrowser(browser, op, authorize);
    assert.match(consent, new RegExp(CLIENT_ID));
    assert.match(consent, /demo-agent/);
    assert.match(consent, /docs\.search/);

    const answer = await callback.answered;
    assert.equal(answer.searchParams.get('iss'), gateway.baseUrl);
    assert.equal(answer.searchParams.get('state'), authorize.searchParams.get('state'));

    // 3. The SDK exchanges the code (PKCE) and connects with its own token.
    await transport.finishAuth(answer.searchParams.get('code'));
    await client.connect(new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider }));
    try {
      const claims = JSON.parse(Buffer.from(provider.tokens().access_token.split('.')[1], 'base64url').toString('utf8'));
      assert.equal(claims.aud, mcpUrl.href);
      assert.equal(claims.sub, 'demo-agent');
      assert.equal(claims.person.sub, 'alice');
      assert.ok(provider.tokens().refresh_token, 'a refresh token');

      const names = (await client.listTools()).tools.map((t) => t.name);
      assert.ok(names.includes('docs__search'), names.join(', '));
      assert.ok(!names.includes('docs__delete_document'), names.join(', '));
      const result = await client.callTool({ name: 'docs__search', arguments: { query: 'people' } });
      assert.ok(!result.isError, JSON.stringify(result));
      await assert.rejects(client.callTool({ name: 'docs__delete_document', arguments: { id: '1' } }), (e) => typeof e.code === 'number');
    } finally {
      await client.close().catch(() => {});
    }

    // 4. The audit names the person and the agent.
    const audit = await (await fetch(`${gateway.baseUrl}/admin/v1/tenants/demo/audit?start=0&limit=1000`, { headers: { Authorization: `Bearer ${gateway.adminToken}` } })).json();
    const calls = audit.records.filter((r) => r.tool === 'docs.search' && r.person === 'alice');
    assert.ok(calls.length > 0, JSON.stringify(audit.records.map((r) => [r.tool, r.person])));
    for (const call of calls) {
      assert.equal(call.agent, 'demo-agent');
      assert.deepEqual(call.actor_chain.map((l) => l.id), ['alice', 'demo-agent']);
    }
  });
});

describe('scope step-up with the TypeScript SDK (insufficient_scope)', { skip: CHROMIUM ? false : 'chromium is not installed (build/install-test-deps.sh installs it)' }, () => {
  let setup;

  before(async () => { setup = await startSetup({ scopes: '{ docs: [docs] }' }); });

  after(async () => setup?.close());

  test('a token without the scope is challenged, the SDK authorizes again with it, and the call goes through', async () => {
    const { browser, callback, world: { op, gateway } } = setup;
    const provider = inMemoryProvider(callback.url, CLIENT_ID, { keepRefreshToken: false });
    const client = new Client({ name: 'interactive-ide', version: '1.0.0' });
    const mcpUrl = new URL(`${gateway.baseUrl}/mcp`);

    // 1. The first authorization asks for no scope: the person allows the client, the token has no scope.
    await assert.rejects(client.connect(new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider })), (e) => e instanceof UnauthorizedError);
    assert.equal(provider.authorizationUrl.searchParams.get('scope'), null);
    await consentInBrowser(browser, op, provider.authorizationUrl);
    const transport = new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider });
    await transport.finishAuth((await callback.answered).searchParams.get('code'));
    await client.connect(transport);
    try {
      assert.equal(provider.tokens().scope, undefined);
      assert.ok((await client.listTools()).tools.some((t) => t.name === 'docs__search'));

      // 2. The call the scope covers: 403 insufficient_scope; the SDK reads the challenge and authorizes again with it.
      provider.authorizationUrl = undefined;
      await assert.rejects(client.callTool({ name: 'docs__search', arguments: { query: 'people' } }), (e) => e instanceof UnauthorizedError);
      assert.equal(provider.authorizationUrl?.searchParams.get('scope'), 'docs');
      const consent = await consentInBrowser(browser, op, provider.authorizationUrl);
      assert.match(consent, /It asks for these scopes/);
      await transport.finishAuth((await callback.next()).searchParams.get('code'));

      // 3. The wider token makes the call.
      assert.equal(provider.tokens().scope, 'docs');
      const result = await client.callTool({ name: 'docs__search', arguments: { query: 'people' } });
      assert.ok(!result.isError, JSON.stringify(result));
    } finally {
      await client.close().catch(() => {});
    }
  });
});

/** The world (provider, gateway, upstream) with the demo agent accepting CLIENT_ID, a callback listener and chromium. */
async function startSetup({ scopes } = {}) {
  const world = await startInteractiveGateway({ clients: [`{ client_id: ${CLIENT_ID}, redirect_uris: ["http://127.0.0.1/callback"] }`], scopes });
  const callback = await startCallbackServer();
  const browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  return {
    world,
    callback,
    browser,
    async close() {
      await browser.close();
      await callback.close();
      await world.close();
    },
  };
}

/**
 * The person's browser, in a context of its own (signed in nowhere): the authorization URL, the console's sign-in at
 * the provider, the consent page (its text returned) and Allow.
 */
async function consentInBrowser(browser, op, authorize) {
  const context = await browser.createBrowserContext();
  try {
    const page = await context.newPage();
    await page.goto(authorize.href);
    assert.ok(page.url().startsWith(op.issuer), `the provider's login page, not ${page.url()}`);
    const consent = await signInAndConsent(page, op);
    await allowConsent(page);
    return consent;
  } finally {
    await context.close();
  }
}
