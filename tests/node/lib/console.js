// What the console's browser tests share: a recording payments upstream, the gateway with the tenant's OpenID provider
// (oidc-provider) configured for the console, and signing a person in through the provider's own login form.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { freePort, startGateway } from './gateway.js';
import { AGENT_APP, GATEWAY_CLIENT, startOidcProvider } from './oidc.js';
import { DEMO_AGENT, signatureHeaders } from './signing.js';

/** A payments upstream on loopback that records what it receives and answers every refund. */
export async function startRecordingUpstream() {
  const received = [];
  const server = createServer((req, res) => {
    received.push({ method: req.method, url: req.url });
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ refunded: true }));
  });
  await new Promise((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    received,
    close: () => new Promise((resolveClose) => { server.closeAllConnections?.(); server.close(() => resolveClose()); }),
  };
}

/**
 * The provider (its accounts: login → groups) and the gateway on a free port with the demo tenant's provider, the console's
 * redirect and back-channel logout URIs registered there, and the payments upstream; `env(port)` adds configuration.
 */
export async function startConsoleGateway({ accounts, upstream, env = () => ({}) }) {
  const port = await freePort();
  const op = await startOidcProvider({
    consoleRedirectUri: `http://127.0.0.1:${port}/console/demo/callback`,
    consoleBackchannelLogoutUri: `http://127.0.0.1:${port}/console/demo/backchannel-logout`,
  });
  for (const [login, groups] of Object.entries(accounts)) op.setAccount(login, groups);
  try {
    const gateway = await startGateway({
      port,
      upstreams: { 'http://127.0.0.1:9130': upstream.url },
      env: { OIDC_CLIENT_SECRET: op.gatewaySecret, ...env(port) },
      edit: (text) => text.replace('workspaces: [ws-demo]\n',
        `workspaces: [ws-demo]\nopenid_provider:\n  issuer: "${op.issuer}"\n  audiences: [${AGENT_APP}]\n  client_id: ${GATEWAY_CLIENT}\n  client_secret: env:OIDC_CLIENT_SECRET\n`),
    });
    await gateway.putCredential('demo', 'payments-key', 'payments-demo-key');
    return { op, gateway };
  } catch (error) {
    await op.close();
    throw error;
  }
}

/** Signs `login` in to the console through the provider's own login and consent pages, in a fresh browser context. */
export async function signInThroughProvider({ browser, gateway, op, login, home = '/console/demo/approvals', bypassCsp = false }) {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  // Only for a test that injects axe-core: the console's CSP (no script at all) would refuse it, as it should.
  if (bypassCsp) await page.setBypassCSP(true);
  await page.goto(`${gateway.baseUrl}/console`);
  await Promise.all([page.waitForNavigation(), page.click('a[href="/console/demo/sign-in"]')]);
  assert.ok(page.url().startsWith(op.issuer), `the provider's login page, not ${page.url()}`);
  await page.type('input[name="login"]', login);
  await page.type('input[name="password"]', 'any-password');
  await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);
  if (page.url().startsWith(op.issuer)) {
    // The provider's consent page.
    await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);
  }

  assert.equal(new URL(page.url()).pathname, home, await page.content());
  return { context, page };
}

/** A request signed as the demo agent; the answer's status, headers, JSON body (null when empty) and text. */
export async function signedAsDemoAgent(gateway, method, target, json) {
  const body = json === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(json));
  const response = await fetch(gateway.baseUrl + target, {
    method,
    headers: { ...(json === undefined ? {} : { 'content-type': 'application/json' }), ...signatureHeaders(DEMO_AGENT, method, target, body) },
    body: json === undefined ? undefined : body,
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : null, text };
}
