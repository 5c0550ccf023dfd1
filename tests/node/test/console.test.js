// The approvals console in a REAL browser (Debian's chromium, driven by puppeteer-core) against the REAL gateway binary
// and a REAL OpenID provider (oidc-provider) on loopback: a signed agent request for a refund is held for approval; bob
// signs in through the provider's login form, sees it in his queue, approves it with a reason; the agent's retry with
// the warrant is forwarded. Mallory (signed in, approver role, but not named by the register) cannot approve, and a
// form without the session's CSRF token changes nothing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { existsSync } from 'node:fs';
import puppeteer from 'puppeteer-core';
import { freePort, startGateway } from '../lib/gateway.js';
import { DEMO_AGENT, signatureHeaders } from '../lib/signing.js';
import { AGENT_APP, GATEWAY_CLIENT, startOidcProvider } from '../lib/oidc.js';

const CHROMIUM = process.env.CHROMIUM ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path));

async function startRecordingUpstream() {
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

describe('the approvals console (chromium, oidc-provider)', { skip: CHROMIUM ? false : 'chromium is not installed (build/install-test-deps.sh installs it)' }, () => {
  let op;
  let upstream;
  let gateway;
  let browser;

  before(async () => {
    const port = await freePort();
    op = await startOidcProvider({ consoleRedirectUri: `http://127.0.0.1:${port}/console/demo/callback` });
    op.setAccount('bob', ['payments-approvers']);
    op.setAccount('mallory', ['payments-approvers']);
    upstream = await startRecordingUpstream();
    gateway = await startGateway({
      port,
      upstreams: { 'http://127.0.0.1:9130': upstream.url },
      env: {
        OIDC_CLIENT_SECRET: op.gatewaySecret,
        Gateway__Console__Tenants__demo__Roles__approver__0: 'payments-approvers',
      },
      edit: (text) => text.replace('workspaces: [ws-demo]\n',
        `workspaces: [ws-demo]\nopenid_provider:\n  issuer: "${op.issuer}"\n  audiences: [${AGENT_APP}]\n  client_id: ${GATEWAY_CLIENT}\n  client_secret: env:OIDC_CLIENT_SECRET\n`),
    });
    await gateway.putCredential('demo', 'payments-key', 'payments-demo-key');
    browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  });

  after(async () => {
    await browser?.close();
    await gateway?.stop();
    await upstream?.close();
    await op?.close();
  });

  async function signed(method, target, json) {
    const body = json === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(json));
    const response = await fetch(gateway.baseUrl + target, {
      method,
      headers: { ...(json === undefined ? {} : { 'content-type': 'application/json' }), ...signatureHeaders(DEMO_AGENT, method, target, body) },
      body: json === undefined ? undefined : body,
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null, text };
  }

  /** Signs `login` in to the console through the provider's own login and consent pages, in a fresh browser context. */
  async function signIn(login) {
    const context = await browser.createBrowserContext();
    const page = await context.newPage();
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

    assert.equal(new URL(page.url()).pathname, '/console/demo/approvals', await page.content());
    return { context, page };
  }

  async function cookieHeader(page) {
    return (await page.browserContext().cookies()).filter((c) => c.name === 'gamut_console').map((c) => `${c.name}=${c.value}`).join('; ');
  }

  test('bob signs in, sees the held refund, approves it with a reason; the agent\'s retry with the warrant is forwarded', async () => {
    const refund = { tool: 'payments.refund', args: { order: `A-${Date.now()}`, amount: 25 } };
    const held = await signed('POST', '/v1/actions/invoke-tool', refund);
    assert.equal(held.status, 409, held.text);
    const approvalId = held.body.approval.id;

    const { context, page } = await signIn('bob');
    try {
      // Hardening headers on the console's pages.
      const answer = await page.reload();
      const headers = answer.headers();
      assert.match(headers['content-security-policy'], /default-src 'none'/);
      assert.doesNotMatch(headers['content-security-policy'], /script-src|unsafe-inline/);
      assert.match(headers['content-security-policy'], /frame-ancestors 'none'/);
      assert.equal(headers['x-frame-options'], 'DENY');
      assert.equal(headers['x-content-type-options'], 'nosniff');
      assert.equal(headers['referrer-policy'], 'no-referrer');
      const session = (await context.cookies()).find((c) => c.name === 'gamut_console');
      assert.ok(session?.httpOnly, 'the session cookie is HttpOnly');
      assert.equal(session.sameSite, 'Lax');

      const link = `a[href="/console/demo/approvals/${approvalId}"]`;
      assert.ok(await page.$(link), 'the held refund is in bob\'s queue');
      await Promise.all([page.waitForNavigation(), page.click(link)]);
      const detail = await page.content();
      assert.match(detail, /payments\.refund/);
      assert.match(detail, /Who may approve/);
      assert.match(detail, /alice, bob/);
      assert.match(detail, /Expires/);

      // A form without the session's CSRF token changes nothing.
      const forged = await fetch(`${gateway.baseUrl}/console/demo/approvals/${approvalId}/approve`, {
        method: 'POST',
        headers: { cookie: await cookieHeader(page), 'content-type': 'application/x-www-form-urlencoded' },
        body: 'reason=forged',
        redirect: 'manual',
      });
      assert.equal(forged.status, 403);
      assert.match(await forged.text(), /console_csrf_invalid/);
      assert.equal((await signed('GET', `/v1/approvals/${approvalId}`)).body.status, 'pending');

      await page.type('#approve-reason', 'Order checked against the ticket');
      await Promise.all([page.waitForNavigation(), page.click('form[action$="/approve"] button[type="submit"]')]);
      assert.match(await page.content(), /approved/);
    } finally {
      await context.close();
    }

    const approval = await signed('GET', `/v1/approvals/${approvalId}`);
    assert.equal(approval.body.status, 'approved', approval.text);
    assert.ok(approval.body.warrant);
    const before = upstream.received.length;
    const retried = await signed('POST', '/v1/actions/invoke-tool', { ...refund, warrant: approval.body.warrant });
    assert.equal(retried.status, 200, retried.text);
    assert.equal(upstream.received.length, before + 1);

    // The approval is in the tenant's audit journal, attributed to bob through the console, with his reason.
    const audit = await fetch(`${gateway.baseUrl}/admin/v1/tenants/demo/audit/query?tool=console.approval.approve`, { headers: { authorization: `Bearer ${gateway.adminToken}` } });
    const records = (await audit.json()).records;
    assert.ok(records.some((r) => r.actor === 'console:bob' && r.approval_id === approvalId), JSON.stringify(records));
  });

  test('mallory, signed in with the approver role but not named by the register, cannot approve', async () => {
    const held = await signed('POST', '/v1/actions/invoke-tool', { tool: 'payments.refund', args: { order: `M-${Date.now()}`, amount: 25 } });
    assert.equal(held.status, 409, held.text);
    const approvalId = held.body.approval.id;
    const { context, page } = await signIn('mallory');
    try {
      assert.equal(await page.$(`a[href="/console/demo/approvals/${approvalId}"]`), null, 'not in mallory\'s queue');
      const csrf = await page.$eval('input[name="csrf"]', (input) => input.value);
      const attempt = await fetch(`${gateway.baseUrl}/console/demo/approvals/${approvalId}/approve`, {
        method: 'POST',
        headers: { cookie: await cookieHeader(page), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ csrf, reason: 'let me' }).toString(),
        redirect: 'manual',
      });
      assert.equal(attempt.status, 403);
      assert.match(await attempt.text(), /approval_not_an_approver/);
      assert.equal((await signed('GET', `/v1/approvals/${approvalId}`)).body.status, 'pending');
    } finally {
      await context.close();
    }
  });

  test('suspending a console user ends their session at once', async () => {
    const { context, page } = await signIn('bob');
    try {
      const suspended = await fetch(`${gateway.baseUrl}/admin/v1/tenants/demo/console-users/bob/suspend`, { method: 'POST', headers: { authorization: `Bearer ${gateway.adminToken}` } });
      assert.equal(suspended.status, 200, await suspended.text());
      const after = await fetch(`${gateway.baseUrl}/console/demo/approvals`, { headers: { cookie: await cookieHeader(page) }, redirect: 'manual' });
      assert.equal(after.status, 302);
      assert.equal(after.headers.get('location'), '/console/demo/sign-in');
    } finally {
      await context.close();
      await fetch(`${gateway.baseUrl}/admin/v1/tenants/demo/console-users/bob/resume`, { method: 'POST', headers: { authorization: `Bearer ${gateway.adminToken}` } });
    }
  });
});
