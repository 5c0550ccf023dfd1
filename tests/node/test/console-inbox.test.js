// The approvals inbox, an approval's page and the confirmation after a decision, in a REAL browser (Debian's chromium
// driven by puppeteer-core) against the REAL gateway binary and a REAL OpenID provider (oidc-provider) on loopback. Bob
// signs in through the provider's login form; two refunds of different amounts are told apart in his inbox by their
// amount and order, sorted and filtered; on each refund's page the one-sentence summary, the reason field and Approve are
// on the first screen at 1280×800 and at 390×844; he approves one and sees the confirmation (the agent's warrant, its
// expiry) with a link to the next pending approval and his decision in the history. A refund of an order that was
// already refunded (its warrant used) is flagged as a possible duplicate at the top of its page. axe-core finds no
// serious or critical violation on the inbox, an approval page and the confirmation. The same order with a combining
// grapheme joiner (U+034F, written out) or in fullwidth letters and digits is flagged as a possible duplicate too. An order
// in right-to-left letters reads in the order it will be sent (measured with document.createRange in the sentence, the
// arguments table and the raw JSON), marked as right-to-left; the agent's values in the sentence are their own elements,
// and a 2800-character order keeps Approve on the first screen. A new approval is announced to its
// approvers by a chat webhook (a loopback receiver that fails the first delivery: it is retried) and by e-mail through
// a real SMTP server (Debian's aiosmtpd, which build/install-test-deps.sh installs), both with the deep link to the
// approval's page and no secret, while the agent is answered with the webhook's first delivery still held open.
// (docs/console.md's screenshots: docs/screenshots.sh, from `make run`.)
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import puppeteer from 'puppeteer-core';
import { freePort } from '../lib/gateway.js';
import { signInThroughProvider, startConsoleGateway, startRecordingUpstream, signedAsDemoAgent } from '../lib/console.js';

const CHROMIUM = process.env.CHROMIUM ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path));
const AIOSMTPD = spawnSync('/usr/bin/python3', ['-c', 'import aiosmtpd'], { stdio: 'ignore' }).status === 0;
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * A chat webhook on loopback that answers 503 to the first delivery of each approval and 200 to the next. The first
 * delivery naming a text given to hold() is held open, unanswered, until the test releases it: a channel that hangs.
 */
async function startWebhook() {
  const received = [];
  const holds = new Map();
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', async () => {
      const first = !received.some((r) => r.body === body);
      received.push({ contentType: req.headers['content-type'], body });
      const hold = first ? [...holds.entries()].find(([text]) => body.includes(text))?.[1] : undefined;
      if (hold) {
        hold.arrive();
        await hold.released;
      }
      res.writeHead(first ? 503 : 200).end();
    });
  });
  await new Promise((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  return {
    url: `http://127.0.0.1:${server.address().port}/hooks/approvals`,
    received,
    /** Holds the first delivery whose body includes `text`: `arrived` settles once it is held, `release()` answers it. */
    hold(text) {
      let arrive;
      let release;
      const arrived = new Promise((r) => { arrive = r; });
      const released = new Promise((r) => { release = r; });
      holds.set(text, { arrive, released, release });
      return { arrived, release };
    },
    close: () => new Promise((resolveClose) => {
      for (const hold of holds.values()) hold.release();
      server.closeAllConnections?.();
      server.close(() => resolveClose());
    }),
  };
}

/** `promise`, or a failure saying `what` once `ms` pass without it: a bound on a wait, not a speed requirement. */
function within(promise, ms, what) {
  let timer;
  return Promise.race([promise, new Promise((_, reject) => { timer = setTimeout(() => reject(new assert.AssertionError({ message: what })), ms); })])
    .finally(() => clearTimeout(timer));
}

/** Debian's aiosmtpd on loopback (its Debugging handler prints each message it receives). */
async function startSmtp(port) {
  const child = spawn('/usr/bin/python3', ['-u', '-m', 'aiosmtpd', '-n', '-l', `127.0.0.1:${port}`, '-c', 'aiosmtpd.handlers.Debugging'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => { output += chunk; });
  child.stderr.on('data', (chunk) => { output += chunk; });
  for (let i = 0; ; i++) {
    const up = await new Promise((resolveTry) => {
      const socket = connect(port, '127.0.0.1', () => { socket.destroy(); resolveTry(true); });
      socket.on('error', () => resolveTry(false));
    });
    if (up) break;
    if (i > 100 || child.exitCode !== null) throw new Error(`aiosmtpd did not listen: ${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { port, received: () => output, stop: () => new Promise((r) => { child.once('exit', r); child.kill(); }) };
}

async function eventually(condition, what, ms = 20_000) {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(what());
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('the approvals inbox, page and confirmation (chromium, oidc-provider, axe-core)', { skip: CHROMIUM && AIOSMTPD ? false : 'chromium or python3-aiosmtpd is not installed (build/install-test-deps.sh installs them)' }, () => {
  let op;
  let upstream;
  let webhook;
  let smtp;
  let gateway;
  let browser;

  before(async () => {
    upstream = await startRecordingUpstream();
    webhook = await startWebhook();
    smtp = await startSmtp(await freePort());
    ({ op, gateway } = await startConsoleGateway({
      accounts: { bob: ['payments-approvers'] },
      upstream,
      env: (port) => ({
        Gateway__Console__Tenants__demo__Roles__approver__0: 'payments-approvers',
        Gateway__Console__PublicOrigin: `http://127.0.0.1:${port}`,
        Gateway__Notifications__InitialBackoff: '00:00:00.200',
        // A delivery attempt outlasts the test: only the webhook's release ends a held one.
        Gateway__Notifications__AttemptTimeout: '00:10:00',
        Gateway__Notifications__Tenants__demo__WebhookUrl: webhook.url,
        Gateway__Notifications__Tenants__demo__Email__bob: 'bob@example.com',
        Gateway__Notifications__Smtp__Host: '127.0.0.1',
        Gateway__Notifications__Smtp__Port: String(smtp.port),
        Gateway__Notifications__Smtp__From: 'gateway@example.com',
      }),
    }));
    browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  });

  after(async () => {
    await browser?.close();
    await gateway?.stop();
    await upstream?.close();
    await webhook?.close();
    await smtp?.stop();
    await op?.close();
  });

  const signed = (method, target, json) => signedAsDemoAgent(gateway, method, target, json);

  async function hold(order, amount) {
    const held = await signed('POST', '/v1/actions/invoke-tool', { tool: 'payments.refund', args: { order, amount, reason: 'customer complaint' } });
    assert.equal(held.status, 409, held.text);
    return held.body.approval.id;
  }

  const signInBob = () => signInThroughProvider({ browser, gateway, op, login: 'bob', bypassCsp: true });

  /** axe-core on the page as it is: no serious or critical violation. */
  async function assertAccessible(page, what) {
    await page.evaluate(AXE_SOURCE);
    const results = await page.evaluate(() => globalThis.axe.run(document, { resultTypes: ['violations'] }));
    const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.html).join(' | ')}`);
    assert.deepEqual(bad, [], `axe-core on ${what}`);
  }

  /** The element is entirely within the viewport as the page opens (no scrolling). */
  async function assertOnFirstScreen(page, selector, what) {
    const box = await page.$eval(selector, (el) => {
      const r = el.getBoundingClientRect();
      return { top: r.top, bottom: r.bottom, left: r.left, right: r.right, height: innerHeight, width: innerWidth, scrollY };
    });
    assert.equal(box.scrollY, 0);
    assert.ok(box.top >= 0 && box.bottom <= box.height && box.left >= 0 && box.right <= box.width, `${selector} on the first screen (${what}): ${JSON.stringify(box)}`);
  }

  /** The inbox link whose text names the amount. */
  async function linkByAmount(page, amount) {
    const links = await page.$$eval('#inbox a[href*="/approvals/"]', (as) => as.map((a) => ({ href: a.getAttribute('href'), text: a.textContent })));
    const found = links.filter((l) => l.text.includes(amount));
    assert.equal(found.length, 1, `one inbox row for ${amount}: ${JSON.stringify(links)}`);
    return found[0];
  }

  test('two refunds are told apart by amount, decided on the first screen, and confirmed with the next item', async () => {
    const stamp = Date.now();
    const small = { order: `A-${stamp}`, amount: 25 };
    const large = { order: `B-${stamp}`, amount: 480.5 };
    const smallId = await hold(small.order, small.amount);
    const largeId = await hold(large.order, large.amount);

    const { context, page } = await signInBob();
    try {
      await page.setViewport({ width: 1280, height: 800 });
      await page.reload();
      const heading = await page.$eval('h1', (h) => h.textContent);
      assert.match(heading, /^Approvals \(\d+ waiting\)$/);
      const smallLink = await linkByAmount(page, '25.00');
      const largeLink = await linkByAmount(page, '480.50');
      assert.equal(smallLink.href, `/console/demo/approvals/${smallId}`);
      assert.equal(largeLink.href, `/console/demo/approvals/${largeId}`);
      assert.match(smallLink.text, new RegExp(`refund 25\\.00 \\(currency not given\\) on order ${small.order}`));
      const row = await page.$eval(`#inbox a[href="${smallLink.href}"]`, (a) => a.closest('tr').textContent);
      assert.match(row, /demo-agent/);
      assert.match(row, /\d+ (s|min)/, 'how long it has waited and when it expires');
      assert.match(row, /1 of 1/, 'approvals still needed');
      assert.match(row, /high · confidential · ATF L\d/, 'the risk marker: the tool\'s tier and data class, the agent\'s ATF level');
      await assertAccessible(page, 'the inbox');

      // On a phone the rows are cards without the table's header row: each value carries its label.
      await page.setViewport({ width: 390, height: 844 });
      await page.reload();
      const labels = await page.$eval(`#inbox a[href="${smallLink.href}"]`, (a) => [...a.closest('tr').querySelectorAll('td')]
        .map((td) => getComputedStyle(td, '::before').content));
      assert.deepEqual(labels.slice(1), ['"Agent, for: "', '"Run: "', '"Waiting: "', '"Expires in: "', '"Still needed: "', '"Risk: "']);
      assert.equal(await page.$eval('#inbox thead', (t) => getComputedStyle(t).display), 'none');
      await page.setViewport({ width: 1280, height: 800 });
      await page.reload();

      // Sorted by amount, the larger refund comes first; filtered by an agent that asked nothing, nothing is shown.
      await page.select('#f-sort', 'amount');
      await Promise.all([page.waitForNavigation(), page.click('form.filters button[type="submit"]')]);
      const order = await page.$$eval('#inbox a[href*="/approvals/"]', (as) => as.map((a) => a.getAttribute('href')));
      assert.ok(order.indexOf(largeLink.href) < order.indexOf(smallLink.href), order.join(' '));
      await page.goto(`${gateway.baseUrl}/console/demo/approvals?agent=nobody`);
      assert.match(await page.$eval('main', (m) => m.textContent), /Nothing waiting for you matches these filters/);
      assert.match(await page.$eval('h1', (h) => h.textContent), /^Approvals \(0 of \d+ waiting\)$/);

      // The larger refund's page, opened from the inbox by its amount: one sentence, the decision on the first screen.
      await page.goto(`${gateway.baseUrl}/console/demo/approvals`);
      await Promise.all([page.waitForNavigation(), page.click(`#inbox a[href="${largeLink.href}"]`)]);
      const summary = await page.$eval('#summary', (p) => p.textContent);
      assert.match(summary, new RegExp(`^demo-agent asks to refund 480\\.50 \\(currency not given\\) on order ${large.order}; held because .+\\.$`));
      assert.equal(await page.$('#duplicates'), null, 'no earlier request for this order');
      const args = await page.$eval('#arguments-table', (t) => t.textContent);
      assert.match(args, new RegExp(`order${large.order}`));
      assert.match(args, /amount480\.50 \(currency not given\)/, 'the amount reads as in the sentence above it');
      assert.match(await page.$eval('#why', (ul) => ul.textContent), /passed/);
      assert.equal(await page.$eval('#raw', (d) => d.open), false, 'the raw explanation, record and receipt are collapsed');

      // The smaller one: the reason field and Approve without scrolling, on a laptop and on a phone.
      await Promise.all([page.waitForNavigation(), page.goto(`${gateway.baseUrl}${smallLink.href}`)]);
      for (const [width, height] of [[1280, 800], [390, 844]]) {
        await page.setViewport({ width, height });
        await page.reload();
        await assertOnFirstScreen(page, '#approve-reason', `${width}×${height}`);
        await assertOnFirstScreen(page, 'button.approve', `${width}×${height}`);
        await assertOnFirstScreen(page, 'button.deny', `${width}×${height}`);
        await assertOnFirstScreen(page, '#summary', `${width}×${height}`);
      }

      await assertAccessible(page, 'an approval page');
      await page.setViewport({ width: 1280, height: 800 });
      await page.reload();
      await page.type('#approve-reason', 'Order checked against the ticket');
      await Promise.all([page.waitForNavigation(), page.click('button.approve')]);
      assert.equal(new URL(page.url()).pathname, `${smallLink.href}/decided`);
      const confirmation = await page.$eval('#confirmation', (s) => s.textContent);
      assert.match(confirmation, /Approved/);
      assert.match(confirmation, /warrant/);
      assert.match(confirmation, /\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/, 'the warrant\'s expiry');
      const next = await page.$eval('#next-approval', (a) => ({ href: a.getAttribute('href'), text: a.textContent }));
      assert.notEqual(next.href, smallLink.href);
      assert.match(next.href, /^\/console\/demo\/approvals\/apr_/);
      assert.match(await page.$eval('#history', (ol) => ol.textContent), /bob approved: “Order checked against the ticket”/);
      await assertAccessible(page, 'the confirmation');
      await Promise.all([page.waitForNavigation(), page.click('#next-approval')]);
      assert.ok(await page.$('#approve-reason'), 'the next pending approval opens ready to decide');
    } finally {
      await context.close();
    }

    assert.equal((await signed('GET', `/v1/approvals/${smallId}`)).body.status, 'approved');
    assert.equal((await signed('GET', `/v1/approvals/${largeId}`)).body.status, 'pending');
  });

  test('a refund of an order already refunded is flagged as a possible duplicate', async () => {
    const order = `D-${Date.now()}`;
    const firstId = await hold(order, 40);
    const { context, page } = await signInBob();
    try {
      await page.goto(`${gateway.baseUrl}/console/demo/approvals/${firstId}`);
      assert.equal(await page.$('#duplicates'), null);
      await page.type('#approve-reason', 'First refund of this order');
      await Promise.all([page.waitForNavigation(), page.click('button.approve')]);

      // The agent is refunded with the warrant (its one use), then asks again for the same order with a new amount.
      const approval = await signed('GET', `/v1/approvals/${firstId}`);
      const refunded = await signed('POST', '/v1/actions/invoke-tool', { tool: 'payments.refund', args: { order, amount: 40, reason: 'customer complaint' }, warrant: approval.body.warrant });
      assert.equal(refunded.status, 200, refunded.text);
      const againId = await hold(order, 45);

      await page.goto(`${gateway.baseUrl}/console/demo/approvals/${againId}`);
      const warning = await page.$eval('#duplicates', (s) => s.textContent);
      assert.match(warning, /Possible duplicate/);
      assert.match(warning, new RegExp(`the same order ${order}: approved and carried out`));
      assert.ok(await page.$(`#duplicates a[href="/console/demo/approvals/${firstId}"]`), 'a link to the earlier request');
      await assertOnFirstScreen(page, 'button.approve', 'with the duplicate warning');

      // The same order with a combining grapheme joiner (invisible, not a format character), and in fullwidth letters and
      // digits: each reads as the same order, is flagged, and the joiner is written out where it stands.
      const joinedId = await hold(`${order}\u034F`, 46);
      await page.goto(`${gateway.baseUrl}/console/demo/approvals/${joinedId}`);
      assert.match(await page.$eval('#duplicates', (s) => s.textContent), /Possible duplicate/, 'the order with U+034F is flagged');
      assert.ok((await page.$eval('#summary', (p) => p.textContent)).includes(`${order}⟨U+034F⟩`), 'the joiner is shown in the summary');
      const fullwidth = [...order].map((c) => (c === '-' ? '\uFF0D' : String.fromCodePoint(c.codePointAt(0) + 0xFEE0))).join('');
      const fullwidthId = await hold(fullwidth, 47);
      await page.goto(`${gateway.baseUrl}/console/demo/approvals/${fullwidthId}`);
      assert.match(await page.$eval('#duplicates', (s) => s.textContent), /Possible duplicate/, `the fullwidth order ${fullwidth} is flagged`);
    } finally {
      await context.close();
    }
  });

  /** The left edge of the first occurrence of `text` in the text under `selector`, as laid out (document.createRange). */
  async function leftOf(page, selector, text) {
    const left = await page.$eval(selector, (root, wanted) => {
      const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const at = node.data.indexOf(wanted);
        if (at >= 0) {
          const range = document.createRange();
          range.setStart(node, at);
          range.setEnd(node, at + wanted.length);
          return range.getBoundingClientRect().left;
        }
      }
      return null;
    }, text);
    assert.notEqual(left, null, `${text} under ${selector}`);
    return left;
  }

  test('an order in right-to-left letters reads in the order it will be sent, marked as right-to-left', async () => {
    const id = await hold('\u05D0 4000 1234', 50);
    const { context, page } = await signInBob();
    try {
      await page.setViewport({ width: 1280, height: 800 });
      await page.goto(`${gateway.baseUrl}/console/demo/approvals/${id}`);
      await page.$eval('#raw', (d) => { d.open = true; });
      for (const where of ['#summary', '#arguments-table', '#arguments']) {
        const [first, second] = [await leftOf(page, where, '4000'), await leftOf(page, where, '1234')];
        assert.ok(first < second, `in ${where}, 4000 (at ${first}) is left of 1234 (at ${second}), as sent`);
      }
      assert.match(await page.$eval('#summary', (p) => p.textContent), /right-to-left/, 'the summary marks the value as right-to-left');
      assert.match(await page.$eval('#arguments-table', (t) => t.textContent), /right-to-left/, 'the table marks the value as right-to-left');
    } finally {
      await context.close();
    }
  });

  test('agent text in the summary is set apart from the gateway\'s words, and a long value keeps Approve on the first screen', async () => {
    const order = 'A-1 '.repeat(700);
    const id = await hold(order, 60);
    const { context, page } = await signInBob();
    try {
      for (const [width, height] of [[1280, 800], [390, 844]]) {
        await page.setViewport({ width, height });
        await page.goto(`${gateway.baseUrl}/console/demo/approvals/${id}`);
        await assertOnFirstScreen(page, 'button.approve', `a 2800-character order at ${width}×${height}`);
        await assertOnFirstScreen(page, '#approve-reason', `a 2800-character order at ${width}×${height}`);
      }
      const quoted = await page.$$eval('#summary code.agent', (codes) => codes.map((c) => c.textContent));
      assert.ok(quoted.some((q) => q.startsWith('A-1 A-1') && q.endsWith('…') && q.length < 200), `the order is its own element, cut short: ${JSON.stringify(quoted)}`);
      const style = await page.$eval('#summary code.agent', (c) => { const s = getComputedStyle(c); return `${s.unicodeBidi} ${s.direction} ${s.fontFamily}`; });
      assert.match(style, /^isolate-override ltr .*mono/, 'isolated, forced left-to-right and set in another face');
      assert.ok((await page.$eval('#arguments-table', (t) => t.textContent)).includes(order.trimEnd()), 'the whole value is in the arguments table');
    } finally {
      await context.close();
    }
  });

  test('a new approval is announced by webhook and e-mail with its deep link; the failed webhook is retried', async () => {
    const order = `N-${Date.now()}`;
    // The webhook holds this approval's first delivery open: an agent's answer that waited for the channels would not come
    // before the release below.
    const webhookHold = webhook.hold(`order ${order}`);
    let id;
    try {
      const answered = hold(order, 12);
      await within(webhookHold.arrived, 20_000, 'the first webhook delivery did not arrive');
      id = await within(answered, 20_000, 'the agent was not answered while the webhook delivery was held: it waited for the channels');
    } finally {
      webhookHold.release();
    }
    const link = `${gateway.baseUrl}/console/demo/approvals/${id}`;
    const mine = () => webhook.received.filter((r) => r.body.includes(id));
    await eventually(() => mine().length >= 2, () => `webhook deliveries: ${JSON.stringify(webhook.received)}`);
    for (const delivery of mine()) {
      assert.equal(delivery.contentType, 'application/json');
      const { text } = JSON.parse(delivery.body);
      assert.ok(text.includes(link), text);
      assert.match(text, new RegExp(`demo-agent asks to refund 12\\.00 \\(currency not given\\) on order ${order}`));
      assert.doesNotMatch(text, /warrant|Bearer|secret|payments-demo-key/i);
    }

    await eventually(() => smtp.received().includes(link), () => `SMTP received: ${smtp.received()}`);
    // The message as received, its folded header lines unfolded.
    const mail = smtp.received().slice(smtp.received().lastIndexOf('MESSAGE FOLLOWS', smtp.received().indexOf(link))).replace(/\r?\n[ \t]+/g, ' ');
    assert.match(mail, /To: bob@example\.com/);
    assert.match(mail, new RegExp(`Subject: Approval needed: demo-agent asks to refund 12\\.00 \\(currency not given\\) on order ${order}`));
    assert.doesNotMatch(mail, /payments-demo-key/);

    // The link leads the approver to the page, ready to decide.
    const { context, page } = await signInBob();
    try {
      await page.goto(link);
      assert.ok(await page.$('#approve-reason'));
    } finally {
      await context.close();
    }
  });
});
