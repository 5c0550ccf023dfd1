// The screenshots in docs/console.md, taken in a real browser (Debian's chromium, puppeteer-core) from `make run` itself
// (examples/run-demo.sh through lib/make-run.js, on free ports): bob, an approver token of the demo tenant, signs in with
// the Development admin-token form; the demo agent asks for three refunds (one of an order refunded before, so its page
// carries the duplicate warning); the inbox, an approval on a laptop and on a phone, the duplicate, the confirmation,
// and an operator's audit journal and kill switches are saved as PNGs.
//   node scripts/console-screenshots.js DIR        (docs/screenshots.sh runs it; needs `make build`)
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import puppeteer from 'puppeteer-core';
import { startMakeRun } from '../lib/make-run.js';
import { DEMO_AGENT, signatureHeaders } from '../lib/signing.js';

const dir = resolve(process.argv[2] ?? 'screenshots');
const chromium = process.env.CHROMIUM ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path));
if (!chromium) throw new Error('chromium is not installed (build/install-test-deps.sh installs it)');
mkdirSync(dir, { recursive: true });

const demo = await startMakeRun();
const browser = await puppeteer.launch({ executablePath: chromium, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
try {
  const admin = (method, path, json) => fetch(demo.baseUrl + path, {
    method,
    headers: { authorization: `Bearer ${demo.adminToken}`, 'content-type': 'application/json' },
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  const signed = async (json) => {
    const target = '/v1/actions/invoke-tool';
    const body = Buffer.from(JSON.stringify(json));
    const answer = await fetch(demo.baseUrl + target, { method: 'POST', headers: { 'content-type': 'application/json', ...signatureHeaders(DEMO_AGENT, 'POST', target, body) }, body });
    return { status: answer.status, body: await answer.json() };
  };
  const hold = async (args) => {
    const held = await signed({ tool: 'payments.refund', args });
    if (held.status !== 409) throw new Error(`expected the refund to be held: ${held.status} ${JSON.stringify(held.body)}`);
    return held.body.approval.id;
  };
  const check = async (answer, what) => { if (!answer.ok) throw new Error(`${what}: ${answer.status} ${await answer.text()}`); return answer; };
  await check(await admin('PUT', '/admin/v1/tenants/demo/credentials/payments-key', { value: 'payments-demo-key' }), 'storing the payments key');
  const bobToken = (await (await check(await admin('POST', '/admin/v1/tokens', { name: `bob-console-${Date.now()}`, roles: ['approver'], tenant: 'demo', person: 'bob' }), 'bob\'s token')).json()).token;

  const signIn = async (token, width, height) => {
    const context = await browser.createBrowserContext();
    const page = await context.newPage();
    await page.setViewport({ width, height });
    await page.goto(`${demo.baseUrl}/console/demo/token-sign-in`);
    await page.type('#admin-token', token);
    await Promise.all([page.waitForNavigation(), page.click('main form button[type="submit"]')]);
    return { context, page };
  };
  const shoot = (page, name, fullPage = false) => page.screenshot({ path: join(dir, `${name}.png`), fullPage });

  // An order refunded before: approved by bob, carried out with the warrant.
  const order = 'A-1795';
  const earlier = await hold({ order, amount: 25, reason: 'damaged on delivery' });
  const bob = await signIn(bobToken, 1280, 800);
  await bob.page.goto(`${demo.baseUrl}/console/demo/approvals/${earlier}`);
  await bob.page.type('#approve-reason', 'Photo of the damage in ticket T-88');
  await Promise.all([bob.page.waitForNavigation(), bob.page.click('button.approve')]);
  const approval = await (await fetch(`${demo.baseUrl}/v1/approvals/${earlier}`, { headers: signatureHeaders(DEMO_AGENT, 'GET', `/v1/approvals/${earlier}`, Buffer.alloc(0)) })).json();
  const done = await signed({ tool: 'payments.refund', args: { order, amount: 25, reason: 'damaged on delivery' }, warrant: approval.warrant });
  if (done.status !== 200) throw new Error(`the first refund was not carried out: ${done.status} ${JSON.stringify(done.body)}`);

  const again = await hold({ order, amount: 25, reason: 'customer asked again' });
  const other = await hold({ order: 'B-2210', amount: 480.5, reason: 'order cancelled before shipping' });
  await hold({ order: 'C-0917', amount: 12.99, reason: 'late delivery voucher' });

  await bob.page.goto(`${demo.baseUrl}/console/demo/approvals`);
  await shoot(bob.page, 'inbox');
  await bob.page.goto(`${demo.baseUrl}/console/demo/approvals/${other}`);
  await shoot(bob.page, 'approval');
  await shoot(bob.page, 'approval-full', true);
  await bob.page.setViewport({ width: 390, height: 844 });
  await bob.page.reload();
  await shoot(bob.page, 'approval-phone');
  await bob.page.setViewport({ width: 1280, height: 800 });
  await bob.page.goto(`${demo.baseUrl}/console/demo/approvals/${again}`);
  await shoot(bob.page, 'duplicate');
  await bob.page.goto(`${demo.baseUrl}/console/demo/approvals/${other}`);
  await bob.page.type('#approve-reason', 'Cancellation confirmed in the order system');
  await Promise.all([bob.page.waitForNavigation(), bob.page.click('button.approve')]);
  await shoot(bob.page, 'confirmation');
  await bob.context.close();

  const signInPage = await browser.newPage();
  await signInPage.setViewport({ width: 1100, height: 500 });
  await signInPage.goto(`${demo.baseUrl}/console`);
  await shoot(signInPage, 'sign-in');

  const operator = await signIn(demo.adminToken, 1100, 700);
  await operator.page.goto(`${demo.baseUrl}/console/demo/audit`);
  await shoot(operator.page, 'audit');
  await operator.page.goto(`${demo.baseUrl}/console/demo/agents`);
  await shoot(operator.page, 'kill-switches');
  await operator.context.close();
  console.log(`screenshots in ${dir}`);
} finally {
  await browser.close();
  await demo.stop();
}
