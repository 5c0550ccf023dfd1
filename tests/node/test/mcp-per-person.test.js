// A connector that acts with each person's own upstream account (credential: per_person), end to end with real parts:
// the REAL gateway binary; the tenant's OpenID provider (oidc-provider) signing people in; the upstream's own OAuth
// authorization server (a second oidc-provider) and a REAL MCP server (the TypeScript SDK's, behind its bearer-auth
// middleware) that accepts only that server's JWTs; the official TypeScript client signed in to /mcp as two people in
// turn; a headless chromium as each person's browser. The first call is answered with a URL elicitation of the link
// page; the person links in the browser (the upstream's sign-in and consent); the retried call reaches the upstream as
// that person's own account. The audit record and the evidence pack name person and upstream account; gatewayctl lists
// and revokes links, and a revoked link is refused on the next call; no token reaches the gateway's log or the audit export.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import puppeteer from 'puppeteer-core';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, UrlElicitationRequiredError } from '@modelcontextprotocol/sdk/types.js';
import { REPO_ROOT, freePort } from '../lib/gateway.js';
import { allowConsent, inMemoryProvider, signInAndConsent, startCallbackServer, startInteractiveGateway } from '../lib/interactive.js';
import { LINK_CLIENT, UPSTREAM_SCOPE, startBearerMcpUpstream, startUpstreamAuthorizationServer } from '../lib/linking.js';

const CHROMIUM = process.env.CHROMIUM ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path));
const CLIENT_ID = 'ide-assistant';
// gatewayctl as make build leaves it (GATEWAYCTL_DLL overrides).
const GATEWAYCTL = process.env.GATEWAYCTL_DLL ?? join(REPO_ROOT, 'artifacts', 'bin', 'Gateway.Cli', 'release', 'gatewayctl.dll');
const RESOURCE = 'https://docs.example.com/mcp';

describe('per_person: each person\'s own upstream account through /mcp (TypeScript SDK, chromium, two oidc-providers)', { skip: CHROMIUM ? false : 'chromium is not installed (build/install-test-deps.sh installs it)' }, () => {
  let as;
  let upstream;
  let world;
  let gateway;
  let browser;
  const clientTokens = [];

  before(async () => {
    const port = await freePort();
    as = await startUpstreamAuthorizationServer({ redirectUri: `http://127.0.0.1:${port}/connections/demo/callback`, resource: RESOURCE });
    upstream = await startBearerMcpUpstream({ issuer: as.issuer, resource: RESOURCE });
    world = await startInteractiveGateway({
      port,
      upstream,
      clients: [`{ client_id: ${CLIENT_ID}, redirect_uris: ["http://127.0.0.1/callback"] }`],
      // The example's docs connector (its upstream already this one) acts with each person's own account there.
      edit: (text) => edited(text, `    upstream: ${upstream.url}\n    credential: none\n`, `    upstream: ${upstream.url}\n    credential: none\n    person:\n      credential: per_person\n`
        + `      authorization_server: "${as.issuer}"\n      client: { id: ${LINK_CLIENT}, secret: "vault:docs-link-client" }\n`
        + `      scopes: [openid, ${UPSTREAM_SCOPE}]\n      resource: "${RESOURCE}"\n`),
    });
    gateway = world.gateway;
    world.op.setAccount('bob', ['engineers']);
    await gateway.putCredential('demo', 'docs-link-client', as.clientSecret);
    browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  });

  after(async () => {
    await browser?.close();
    await world?.close();
    await as?.close();
  });

  /** The person signed in to /mcp with the official client (OAuth through the console's sign-in and consent), in their own browser context. */
  async function connectAs(login) {
    const context = await browser.createBrowserContext();
    const callback = await startCallbackServer();
    const provider = inMemoryProvider(callback.url, CLIENT_ID);
    const mcpUrl = new URL(`${gateway.baseUrl}/mcp`);
    const client = new Client({ name: 'interactive-ide', version: '1.0.0' }, { capabilities: { elicitation: { url: {} } } });
    const transport = new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider });
    await assert.rejects(client.connect(transport), (e) => e instanceof UnauthorizedError);
    const page = await context.newPage();
    await page.goto(provider.authorizationUrl.href);
    await signInAndConsent(page, world.op, { login });
    await allowConsent(page);
    await transport.finishAuth((await callback.answered).searchParams.get('code'));
    await callback.close();
    await client.connect(new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider }));
    clientTokens.push(provider.tokens().access_token, provider.tokens().refresh_token);
    return { client, page, context };
  }

  /** Opens the elicitation's link in the person's browser and links `account` at the upstream's authorization server. */
  async function link(page, url, account) {
    await page.goto(url);
    assert.ok(page.url().startsWith(as.issuer), `the upstream's sign-in, not ${page.url()}:\n${await page.content()}`);
    await page.type('input[name="login"]', account);
    await page.type('input[name="password"]', 'any-password');
    await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);
    if (page.url().startsWith(as.issuer)) {
      // The upstream's consent for the gateway's client.
      await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);
    }
    assert.ok(page.url().startsWith(`${gateway.baseUrl}/console/demo/connections/callback`), page.url());
    return page.evaluate(() => document.body.innerText);
  }

  /** The URL elicitation a call is answered with (the SDK's UrlElicitationRequiredError; the refusal's code and link_url: McpLinkElicitationTests). */
  async function elicited(client) {
    const error = await client.callTool({ name: 'docs__search', arguments: { query: 'q' } }).then(
      (result) => assert.fail(`expected a URL elicitation, got ${JSON.stringify(result)}`),
      (e) => e,
    );
    assert.ok(error instanceof UrlElicitationRequiredError, String(error));
    assert.equal(error.code, ErrorCode.UrlElicitationRequired);
    const [elicitation] = error.elicitations;
    assert.equal(elicitation.mode, 'url');
    assert.ok(elicitation.url.startsWith(`${gateway.baseUrl}/connections/demo/docs/link?grant=`), elicitation.url);
    assert.ok(elicitation.url.endsWith(`grant=${elicitation.elicitationId}`), elicitation.url);
    return elicitation;
  }

  test('two people link once each; the upstream sees each as their own account; the audit names both; revoked is refused; no token leaks', async () => {
    const people = [['alice', 'upstream-alice'], ['bob', 'upstream-bob']];
    const sessions = {};
    for (const [login, account] of people) {
      const session = await connectAs(login);
      sessions[login] = session;
      const callsBefore = upstream.calls.length;

      // 1. Not linked yet: a URL elicitation of the link page; nothing reached the upstream.
      const elicitation = await elicited(session.client);
      assert.equal(upstream.calls.length, callsBefore);

      // 2. The person links in their browser: the gateway's link page, the upstream's sign-in and consent, back.
      assert.match(await link(session.page, elicitation.url, account), /linked/i);

      // 3. The retried call reaches the upstream as the person's own account.
      const result = await session.client.callTool({ name: 'docs__search', arguments: { query: `for ${login}` } });
      assert.ok(!result.isError, JSON.stringify(result));
      assert.equal(result.content[0].text, `${account} searched "for ${login}"`);
      assert.equal(upstream.calls.at(-1).sub, account);
    }

    // The audit record of each call names the person and their upstream account.
    const audit = await admin('GET', '/admin/v1/tenants/demo/audit?start=0&limit=1000');
    for (const [login, account] of people) {
      const calls = audit.records.filter((r) => r.tool === 'docs.search' && r.person === login && r.upstream_account === account);
      assert.ok(calls.length > 0, JSON.stringify(audit.records.map((r) => [r.tool, r.person, r.upstream_account])));
    }

    // The evidence pack of alice's call names her and her upstream account (gatewayctl evidence export, then verify).
    const aliceCall = audit.records.find((r) => r.tool === 'docs.search' && r.person === 'alice' && r.upstream_account);
    const pack = join(mkdtempSync(join(tmpdir(), 'per-person-pack-')), 'pack.zip');
    await gatewayctl('evidence', 'export', '--tenant', 'demo', '--request-id', aliceCall.request_id, '--output', pack);
    await gatewayctl('evidence', 'verify', pack);
    const packed = (await run('unzip', ['-p', pack, 'records.jsonl'])).split('\n').filter(Boolean).map((line) => JSON.parse(line));
    assert.ok(packed.some((r) => r.person === 'alice' && r.upstream_account === 'upstream-alice'), JSON.stringify(packed));

    // The admin API and gatewayctl list both links; revoking alice's (gatewayctl) refuses her next call, asking her to link again, not bob's.
    const listed = await admin('GET', '/admin/v1/tenants/demo/connections');
    assert.deepEqual(listed.connections.map((c) => [c.person, c.connector, c.upstream_account]).sort(), [['alice', 'docs', 'upstream-alice'], ['bob', 'docs', 'upstream-bob']]);
    assert.match(await gatewayctl('connections', 'list', '--tenant', 'demo'), /^bob\tconnector=docs\tupstream_account=upstream-bob\t/m);
    assert.match(await gatewayctl('connections', 'revoke', 'alice', 'docs', '--tenant', 'demo'), /The link of alice to connector docs is revoked/);
    const callsBefore = upstream.calls.length;
    await elicited(sessions.alice.client);
    assert.equal(upstream.calls.length, callsBefore);
    const still = await sessions.bob.client.callTool({ name: 'docs__search', arguments: { query: 'after' } });
    assert.equal(still.content[0].text, 'upstream-bob searched "after"');

    // No token — the upstream's, or the client's at the gateway — in the gateway's log or the audit export.
    const exported = await (await fetch(`${gateway.baseUrl}/admin/v1/tenants/demo/audit/export`, { headers: { Authorization: `Bearer ${gateway.adminToken}` } })).text();
    assert.match(exported, /upstream-alice/);
    const tokens = [...new Set([...upstream.calls.map((c) => c.token), ...clientTokens].filter(Boolean))];
    assert.ok(tokens.length >= 3, 'the upstream saw tokens');
    for (const token of tokens) {
      assert.ok(!gateway.log.includes(token), 'a token in the gateway log');
      assert.ok(!exported.includes(token), 'a token in the audit export');
    }

    for (const { client, context } of Object.values(sessions)) {
      await client.close().catch(() => {});
      await context.close();
    }
  });

  /** Runs the built gatewayctl against the gateway as its admin; its standard output. */
  function gatewayctl(...args) {
    return run('dotnet', [GATEWAYCTL, ...args, '--url', gateway.baseUrl, '--token', gateway.adminToken]);
  }

  async function admin(method, path) {
    const response = await fetch(gateway.baseUrl + path, { method, headers: { Authorization: `Bearer ${gateway.adminToken}` } });
    const text = await response.text();
    assert.equal(response.status, 200, text);
    return JSON.parse(text);
  }
});

/** `file` with `args`; resolves with its standard output, rejects with its standard error. */
function run(file, args) {
  return new Promise((resolveRun, reject) => {
    execFile(file, args, { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => (error ? reject(new Error(`${file} ${args.join(' ')}: ${stderr}`)) : resolveRun(stdout)));
  });
}

/** `text` with `from` replaced by `to`; a bundle that no longer has `from` fails the test here, not later. */
function edited(text, from, to) {
  if (!text.includes('openid_provider:') && !text.includes(from)) return text;
  assert.ok(text.includes(from), `the example bundle no longer has:\n${from}`);
  return text.replace(from, to);
}
