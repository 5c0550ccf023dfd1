// The approvals console in a REAL browser (Debian's chromium, driven by puppeteer-core) against the REAL gateway binary
// and a REAL OpenID provider (oidc-provider) on loopback: a signed agent request for a refund is held for approval; bob
// signs in through the provider's login form, sees it in his queue, approves it with a reason; the agent's retry with
// the warrant is forwarded. Mallory (signed in, approver role, but not named by the register) cannot approve, and a
// form without the session's CSRF token changes nothing. The approval page shows the action's arguments as redacted
// before they were stored (the refund's card number and e-mail address never reach the page), the signed receipt the
// agent was answered with, and where the decision's record sits in the audit chain (replica, seq, leaf index), whose
// inclusion proof the admin API answers. When bob signs out at the provider (its end_session page), the provider's
// back-channel logout ends his console session and nobody else's; forged or replayed logout tokens end nothing. Keyboard only: bob signs in and approves with Tab and Enter,
// and every input, textarea and select of the console's pages has a label. (The inbox, the approval page, the
// confirmation and axe-core: console-inbox.test.js; docs/console.md's screenshots: docs/screenshots.sh.)
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import puppeteer from 'puppeteer-core';
import { signInThroughProvider, startConsoleGateway, startRecordingUpstream, signedAsDemoAgent } from '../lib/console.js';
import { AGENT_APP } from '../lib/oidc.js';

const CHROMIUM = process.env.CHROMIUM ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path));

describe('the approvals console (chromium, oidc-provider)', { skip: CHROMIUM ? false : 'chromium is not installed (build/install-test-deps.sh installs it)' }, () => {
  let op;
  let upstream;
  let gateway;
  let browser;

  before(async () => {
    upstream = await startRecordingUpstream();
    ({ op, gateway } = await startConsoleGateway({
      accounts: { bob: ['payments-approvers'], mallory: ['payments-approvers'], olivia: ['sre-oncall'] },
      upstream,
      env: () => ({
        Gateway__Console__Tenants__demo__Roles__approver__0: 'payments-approvers',
        Gateway__Console__Tenants__demo__Roles__operator__0: 'sre-oncall',
      }),
    }));
    browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  });

  after(async () => {
    await browser?.close();
    await gateway?.stop();
    await upstream?.close();
    await op?.close();
  });

  const signed = (method, target, json) => signedAsDemoAgent(gateway, method, target, json);

  const signIn = (login, home) => signInThroughProvider({ browser, gateway, op, login, home });

  async function cookieHeader(page) {
    return (await page.browserContext().cookies()).filter((c) => c.name === 'gamut_console').map((c) => `${c.name}=${c.value}`).join('; ');
  }

  test('bob signs in, sees the held refund, approves it with a reason; the agent\'s retry with the warrant is forwarded', async () => {
    const refund = { tool: 'payments.refund', args: { order: `A-${Date.now()}`, amount: 25, reason: 'card 4111 1111 1111 1111, asked by jane.doe@example.com' } };
    const held = await signed('POST', '/v1/actions/invoke-tool', refund);
    assert.equal(held.status, 409, held.text);
    const approvalId = held.body.approval.id;
    const receipt = held.headers.get('gamut-receipt');
    assert.ok(receipt, 'the agent is answered with the decision\'s receipt');

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

      // The arguments as redacted before they were stored: the card number and the e-mail address never reach the page.
      const args = await page.$eval('#arguments', (pre) => pre.textContent);
      assert.match(args, /"reason": "card \[REDACTED:card_number\], asked by \[REDACTED:email\]"/);
      assert.match(args, /"amount": 25/);
      // The card number itself, not any "4111": the order id is a timestamp, which can hold those digits.
      assert.doesNotMatch(detail, /4111[ -]?1111[ -]?1111[ -]?1111|jane\.doe/);

      // The decision's receipt (the one the agent got) and its record's place in the chain, with the proof's address.
      assert.equal(await page.$eval('#receipt', (pre) => pre.textContent), receipt);
      const record = await page.$eval('#decision-record', (dl) => dl.textContent);
      const [, replica, seq] = record.match(/Chain \(replica\)(\S+)Record seq(\d+)/) ?? [];
      assert.ok(replica && seq, record);
      assert.match(record, new RegExp(`Leaf index${Number(seq) - 1}`));
      const proofPath = `/admin/v1/tenants/demo/audit/proof/inclusion?replica=${replica}&seq=${seq}`;
      assert.ok(record.includes(proofPath), record);
      const proof = await (await fetch(gateway.baseUrl + proofPath, { headers: { authorization: `Bearer ${gateway.adminToken}` } })).json();
      assert.equal(proof.leaf_index, Number(seq) - 1);
      assert.ok(proof.record.includes(approvalId), 'the proven record is the decision that opened this approval');

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

  async function consolePage(page, path = '/console/demo/approvals') {
    return fetch(gateway.baseUrl + path, { headers: { cookie: await cookieHeader(page) }, redirect: 'manual' });
  }

  test('bob signs out at the provider: its back-channel logout ends his console session, olivia\'s stays', async () => {
    const bob = await signIn('bob');
    const olivia = await signIn('olivia', '/console/demo/audit');
    try {
      assert.equal((await consolePage(bob.page)).status, 200);
      // The provider's own end_session page, in bob's browser: "Yes, sign me out".
      await bob.page.goto(`${op.issuer}/session/end`);
      await Promise.all([bob.page.waitForNavigation(), bob.page.click('button[name="logout"][value="yes"]')]);

      const after = await consolePage(bob.page);
      assert.equal(after.status, 302);
      assert.equal(after.headers.get('location'), '/console/demo/sign-in');
      // In the browser: the console sends him back to the provider, which asks him to sign in again.
      await bob.page.goto(`${gateway.baseUrl}/console/demo/approvals`);
      assert.ok(bob.page.url().startsWith(op.issuer), `the provider's login page, not ${bob.page.url()}`);
      assert.ok(await bob.page.$('input[name="login"]'), 'the provider asks bob to sign in again');
      assert.equal((await consolePage(olivia.page, '/console/demo/audit')).status, 200, 'olivia is still signed in');

      const audit = await fetch(`${gateway.baseUrl}/admin/v1/tenants/demo/audit/query?tool=console.backchannel_logout`, { headers: { authorization: `Bearer ${gateway.adminToken}` } });
      const records = (await audit.json()).records;
      assert.ok(records.some((r) => r.person === 'bob' && r.actor === `openid:${op.issuer}`), JSON.stringify(records));
    } finally {
      await bob.context.close();
      await olivia.context.close();
    }
  });

  test('forged and replayed logout tokens are refused and end nothing', async () => {
    const mallory = await signIn('mallory');
    const logout = (token) => fetch(`${gateway.baseUrl}/console/demo/backchannel-logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ logout_token: token }).toString(),
    });
    try {
      for (const [what, token] of [
        ['wrong key', await op.logoutToken({ sub: 'mallory' }, { impostor: true })],
        ['wrong audience', await op.logoutToken({ sub: 'mallory', aud: AGENT_APP })],
        ['with a nonce', await op.logoutToken({ sub: 'mallory', nonce: 'abc' })],
        ['no logout event', await op.logoutToken({ sub: 'mallory', events: {} })],
      ]) {
        const answer = await logout(token);
        assert.equal(answer.status, 400, what);
        assert.equal(answer.headers.get('cache-control'), 'no-store', what);
        assert.equal((await answer.json()).error, 'invalid_request', what);
        assert.equal((await consolePage(mallory.page)).status, 200, `${what}: mallory is still signed in`);
      }

      // A genuine token ends her session once; replayed after she signs in again, it ends nothing.
      const genuine = await op.logoutToken({ sub: 'mallory' });
      assert.equal((await logout(genuine)).status, 200);
      assert.equal((await consolePage(mallory.page)).status, 302);
      const again = await signIn('mallory');
      try {
        const replayed = await logout(genuine);
        assert.equal(replayed.status, 400);
        assert.match((await replayed.json()).error_description, /already used/);
        assert.equal((await consolePage(again.page)).status, 200, 'the replay ended nothing');
      } finally {
        await again.context.close();
      }
    } finally {
      await mallory.context.close();
    }
  });

  /** Presses Tab until the focused element matches `selector` (at most 60 times); fails otherwise. */
  async function tabTo(page, selector) {
    for (let i = 0; i < 60; i++) {
      await page.keyboard.press('Tab');
      if (await page.evaluate((sel) => document.activeElement?.matches(sel) ?? false, selector)) return;
    }
    assert.fail(`Tab never reached ${selector} on ${page.url()}`);
  }

  /** Presses Enter on the focused element and waits for the page it leads to. */
  async function enter(page) {
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
  }

  /** Every visible form control of the page has a label (a <label for>, a wrapping label or aria-label). */
  async function assertLabelled(page) {
    const unlabelled = await page.$$eval('input:not([type="hidden"]), textarea, select',
      (controls) => controls.filter((c) => !(c.labels?.length || c.getAttribute('aria-label'))).map((c) => c.outerHTML));
    assert.deepEqual(unlabelled, [], `unlabelled controls on ${page.url()}`);
  }

  test('keyboard only: bob signs in and approves with Tab and Enter; every control is labelled', async () => {
    const held = await signed('POST', '/v1/actions/invoke-tool', { tool: 'payments.refund', args: { order: `K-${Date.now()}`, amount: 25 } });
    assert.equal(held.status, 409, held.text);
    const approvalId = held.body.approval.id;
    const context = await browser.createBrowserContext();
    const page = await context.newPage();
    try {
      await page.goto(`${gateway.baseUrl}/console`);
      await assertLabelled(page);
      await tabTo(page, 'a[href="/console/demo/sign-in"]');
      await enter(page);
      assert.ok(page.url().startsWith(op.issuer), `the provider's login page, not ${page.url()}`);
      await tabTo(page, 'input[name="login"]');
      await page.keyboard.type('bob');
      await tabTo(page, 'input[name="password"]');
      await page.keyboard.type('any-password');
      await enter(page);
      if (page.url().startsWith(op.issuer)) {
        await tabTo(page, 'button[type="submit"]');
        await enter(page);
      }

      assert.equal(new URL(page.url()).pathname, '/console/demo/approvals', await page.content());
      await assertLabelled(page);
      await tabTo(page, `a[href="/console/demo/approvals/${approvalId}"]`);
      await enter(page);
      await assertLabelled(page);
      await tabTo(page, '#approve-reason');
      await page.keyboard.type('Checked by keyboard');
      await tabTo(page, 'form[action$="/approve"] button[type="submit"]');
      await enter(page);
      assert.match(await page.content(), /approved/);
    } finally {
      await context.close();
    }

    assert.equal((await signed('GET', `/v1/approvals/${approvalId}`)).body.status, 'approved');
  });

  test('an operator\'s pages (audit, incidents, agents with kill switches, runs) have labelled controls', async () => {
    const { context, page } = await signIn('olivia', '/console/demo/audit');
    try {
      for (const path of ['/console/demo/audit', '/console/demo/incidents', '/console/demo/agents', '/console/demo/runs']) {
        const answer = await page.goto(gateway.baseUrl + path);
        assert.equal(answer.status(), 200, path);
        await assertLabelled(page);
      }
    } finally {
      await context.close();
    }
  });
});
