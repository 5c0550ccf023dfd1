// A person's interactive MCP client's world: a REAL OpenID provider (oidc-provider) that signs people in to the console,
// the REAL gateway with the example bundle whose demo agent accepts the given interactive clients for the group
// `engineers` (alice is in it), and the demo MCP upstream. Shared by the tests that drive such a client.
import { createServer } from 'node:http';
import { freePort, startGateway } from './gateway.js';
import { AGENT_APP, GATEWAY_CLIENT, startOidcProvider } from './oidc.js';
import { startMcpUpstream } from './upstreams.js';

/**
 * Starts the three; `clients` are the lines of the demo agent's `interactive.clients` (YAML flow mappings), `scopes`
 * its `interactive.scopes` when given (a YAML flow mapping), `edit` changes the tenant file's text after that; `port` is the
 * gateway's (a free one unless given), `upstream` the MCP upstream (the demo one unless given). Returns `{ op, upstream, gateway, close() }`.
 */
export async function startInteractiveGateway({ clients, scopes, edit = (text) => text, port: chosenPort, upstream: givenUpstream }) {
  const port = chosenPort ?? await freePort();
  const op = await startOidcProvider({ consoleRedirectUri: `http://127.0.0.1:${port}/console/demo/callback` });
  op.setAccount('alice', ['engineers']);
  let upstream;
  try {
    upstream = givenUpstream ?? await startMcpUpstream();
    const gateway = await startGateway({
      port,
      upstreams: { 'http://127.0.0.1:9200/mcp': upstream.url },
      env: { OIDC_CLIENT_SECRET: op.gatewaySecret, Gateway__Console__Tenants__demo__Roles__approver__0: 'payments-approvers' },
      // The example's own block (make run's, signed in on the Development admin-token page) makes way for this one.
      edit: (text) => edit(text.replace(/^    interactive:\n(?: {6}.*\n)+/m, '')
        .replace('workspaces: [ws-demo]\n',
          `workspaces: [ws-demo]\nopenid_provider:\n  issuer: "${op.issuer}"\n  audiences: [${AGENT_APP}]\n  client_id: ${GATEWAY_CLIENT}\n  client_secret: env:OIDC_CLIENT_SECRET\n`)
        .replace('    secret: file:secrets/demo-agent.secret\n',
          '    secret: file:secrets/demo-agent.secret\n    interactive:\n      workspace: ws-demo\n      groups: [engineers]\n'
          + (scopes ? `      scopes: ${scopes}\n` : '') + '      clients:\n'
          + clients.map((client) => `        - ${client}\n`).join(''))),
    });
    return {
      op,
      upstream,
      gateway,
      async close() {
        await gateway.stop();
        await upstream.close();
        await op.close();
      },
    };
  } catch (error) {
    await upstream?.close();
    await op.close();
    throw error;
  }
}

/**
 * In the person's browser, on the provider's login page (the console's sign-in): signs `login` in, lands on the
 * console's consent page and returns its text (`allowConsent` then presses Allow).
 */
export async function signInAndConsent(page, op, { login = 'alice' } = {}) {
  await page.type('input[name="login"]', login);
  await page.type('input[name="password"]', 'any-password');
  await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);
  if (page.url().startsWith(op.issuer)) {
    await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);
  }
  if (new URL(page.url()).pathname !== '/console/demo/authorize') {
    throw new Error(`expected the console's consent page, not ${page.url()}:\n${await page.content()}`);
  }
  return page.evaluate(() => document.body.innerText);
}

/** Presses Allow on the console's consent page and waits for the browser to leave it. */
export async function allowConsent(page) {
  await Promise.all([page.waitForNavigation(), page.click('button[value="approve"]')]);
}

/** The client's loopback redirect listener: `answered` resolves with the first callback's URL, `next()` with the next one's. */
export async function startCallbackServer() {
  const answers = [];
  const waiting = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    // Only the redirect counts: the browser also asks this origin for /favicon.ico once a callback page has loaded.
    if (url.pathname !== '/callback') {
      res.writeHead(404).end();
      return;
    }
    if (waiting.length > 0) waiting.shift()(url); else answers.push(url);
    res.writeHead(200, { 'content-type': 'text/plain' }).end('You may close this window.');
  });
  await new Promise((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  const next = () => (answers.length > 0 ? Promise.resolve(answers.shift()) : new Promise((resolve) => waiting.push(resolve)));
  const answered = next();
  return {
    url: `http://127.0.0.1:${server.address().port}/callback`,
    answered,
    next,
    close: () => new Promise((resolveClose) => { server.closeAllConnections?.(); server.close(() => resolveClose()); }),
  };
}

/**
 * The SDK's OAuthClientProvider, in memory: the pre-registered public client `clientId` with a loopback redirect. Without
 * `keepRefreshToken` it keeps no refresh token (as a client told to persist access tokens only does).
 */
export function inMemoryProvider(redirectUrl, clientId, { keepRefreshToken = true } = {}) {
  let tokens;
  let verifier;
  return {
    authorizationUrl: undefined,
    get redirectUrl() { return redirectUrl; },
    get clientMetadata() { return { client_name: 'IDE assistant', redirect_uris: [redirectUrl], token_endpoint_auth_method: 'none' }; },
    clientInformation: () => ({ client_id: clientId }),
    saveClientInformation: () => {},
    tokens: () => tokens,
    saveTokens(value) { tokens = keepRefreshToken ? value : { ...value, refresh_token: undefined }; },
    redirectToAuthorization(url) { this.authorizationUrl = new URL(url); },
    saveCodeVerifier(value) { verifier = value; },
    codeVerifier: () => verifier,
  };
}
