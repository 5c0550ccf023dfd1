// The MCP Inspector's web UI in its interactive OAuth mode (npm `@modelcontextprotocol/inspector`), driven as a person
// drives it in a REAL chromium, against the REAL gateway binary and a REAL OpenID provider (oidc-provider) on loopback:
// the person switches the gateway's server on; the Inspector reads the 401's challenge and the metadata and sends the
// browser to /oauth/authorize with PKCE and the resource, under its pre-registered client id and its own callback
// (`http://localhost:<its port>/oauth/callback`); the person signs in at the provider through the console's sign-in and
// allows the client on the console's consent page; the Inspector exchanges the code, lists the tools the demo agent may
// use, calls one, and is refused another (a rule that matches the person) with a JSON-RPC error; the audit records name
// the person and the agent.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import puppeteer from 'puppeteer-core';
import { mcpMessages, recordMcpEvents, startInspectorWeb } from '../lib/inspector.js';
import { allowConsent, signInAndConsent, startInteractiveGateway } from '../lib/interactive.js';

const CHROMIUM = process.env.CHROMIUM ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path));
const CLIENT_ID = 'mcp-inspector';

describe('the MCP Inspector\'s web UI, interactive OAuth (chromium, oidc-provider)', { skip: CHROMIUM ? false : 'chromium is not installed (build/install-test-deps.sh installs it)' }, () => {
  let world;
  let op;
  let gateway;
  let inspector;
  let browser;

  before(async () => {
    world = await startInteractiveGateway({
      clients: [`{ client_id: ${CLIENT_ID}, redirect_uris: ["http://localhost/oauth/callback"] }`],
      // The agent may search tickets, but not for this person: a rule that matches the person the token names.
      edit: (text) => text.replace('rules:\n', 'rules:\n  - id: no-ticket-search-for-alice\n    match: { tools: [tickets.search], person: [alice] }\n    effect: block\n    reason: not_for_this_person\n'),
    });
    ({ op, gateway } = world);
    inspector = await startInspectorWeb({ servers: { gateway: { type: 'http', url: `${gateway.baseUrl}/mcp`, oauth: { clientId: CLIENT_ID } } } });
    browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  });

  after(async () => {
    await browser?.close();
    await inspector?.close();
    await world?.close();
  });

  test('the Inspector signs the person in, lists and calls what the agent may, and is refused the rest', { timeout: 120_000 }, async () => {
    const context = await browser.createBrowserContext();
    try {
      const page = await context.newPage();
      await page.setViewport({ width: 1400, height: 1000 });
      await page.evaluateOnNewDocument(recordMcpEvents);
      const calls = [];
      page.on('request', (request) => {
        if (request.method() === 'POST' && request.url().endsWith('/api/mcp/send')) {
          const { message } = JSON.parse(request.postData() ?? '{}');
          if (message?.method === 'tools/call') calls.push(message);
        }
      });

      // 1. The person switches the server on: no token yet, so the Inspector follows the challenge to the gateway.
      await page.goto(inspector.url);
      await waitForText(page, `${gateway.baseUrl}/mcp`);
      await Promise.all([page.waitForNavigation({ timeout: 30_000 }), page.click('input[type="checkbox"]')]);
      await page.waitForFunction((issuer) => location.href.startsWith(issuer), { timeout: 30_000 }, op.issuer);

      // 2. The console's sign-in at the provider, then the console's consent page.
      const consent = await signInAndConsent(page, op);
      assert.match(consent, new RegExp(CLIENT_ID));
      assert.match(consent, /demo-agent/);
      assert.match(consent, new RegExp(`${inspector.origin}/oauth/callback`));
      await allowConsent(page);

      // 3. Back in the Inspector: it exchanged the code at its callback and is connected.
      await page.waitForFunction((origin) => location.origin === origin, { timeout: 30_000 }, inspector.origin);
      await waitForText(page, 'Connected');

      // 4. The tools the agent may use, and no other.
      await openTab(page, 'Tools', 'docs__search');
      const listed = await page.evaluate(() => document.body.innerText);
      for (const name of ['crm_read_contact', 'tickets_search', 'docs__search']) assert.match(listed, new RegExp(name));
      assert.doesNotMatch(listed, /docs__delete_document/);

      // 5. One call allowed: the upstream's answer on the page.
      await openTool(page, 'docs__search', 'query');
      await typeArgument(page, 'query', 'people');
      await page.click('::-p-text(Execute Tool)');
      await waitForText(page, 'documents match "people"');
      const allowed = await answerTo(page, calls, 'docs__search');
      assert.ok(allowed.result && !allowed.result.isError, JSON.stringify(allowed));

      // 6. One refused: a JSON-RPC error (not a tool result), which the Inspector shows as the call's failure.
      await openTool(page, 'tickets_search', 'q');
      await typeArgument(page, 'q', 'refund');
      await page.click('::-p-text(Execute Tool)');
      await waitForText(page, 'The action is blocked by policy.');
      const refused = await answerTo(page, calls, 'tickets_search');
      assert.equal(refused.result, undefined, JSON.stringify(refused));
      assert.equal(typeof refused.error?.code, 'number', JSON.stringify(refused));
      assert.equal(refused.error.data?.code, 'blocked', JSON.stringify(refused));
    } finally {
      await context.close();
    }

    // 7. The audit names the person and the agent, for the call and for the refusal.
    const audit = await (await fetch(`${gateway.baseUrl}/admin/v1/tenants/demo/audit?start=0&limit=1000`, { headers: { Authorization: `Bearer ${gateway.adminToken}` } })).json();
    const records = audit.records.filter((r) => r.person === 'alice');
    const search = records.find((r) => r.tool === 'docs.search');
    const blocked = records.find((r) => r.tool === 'tickets.search');
    assert.ok(search && blocked, JSON.stringify(audit.records.map((r) => [r.tool, r.person, r.decision])));
    for (const record of [search, blocked]) {
      assert.equal(record.agent, 'demo-agent');
      assert.deepEqual(record.actor_chain.map((l) => l.id), ['alice', 'demo-agent']);
    }
    assert.equal(search.decision, 'allow');
    assert.equal(blocked.decision, 'block');
  });
});

/** Opens one of the Inspector's top tabs (a segmented control of radio inputs) until `text` shows. */
async function openTab(page, tab, text) {
  await clickUntil(page, `label[for$="-${tab}"]`, (timeout) => waitForText(page, text, timeout));
}

/** Opens a listed tool's form until its argument `name` is labelled. */
async function openTool(page, tool, name) {
  await clickUntil(page, `::-p-text(${tool})`, (timeout) => page.waitForFunction(labelFor, { timeout }, name));
}

/**
 * Clicks `selector` until `shown(timeout)` resolves, 5 s a try and six tries: once, in a loaded CI run, a tab and a tool's
 * form each did not show in 30 s after one click.
 */
async function clickUntil(page, selector, shown) {
  for (let attempt = 0; ; attempt++) {
    await page.click(selector);
    try {
      await shown(5_000);
      return;
    } catch (error) {
      if (attempt === 5) throw error;
    }
  }
}

async function waitForText(page, text, timeout = 30_000) {
  await page.waitForFunction((t) => document.body?.innerText.includes(t), { timeout }, text);
}

/** The id of the field the page labels `name` (a required argument's label ends in " *"), or undefined. */
function labelFor(name) {
  return [...document.querySelectorAll('label')].find((l) => l.textContent.trim().replace(/\s*\*$/, '') === name)?.htmlFor;
}

/** Types into the tool form's field labelled `name` (the Inspector labels each argument with its name). */
async function typeArgument(page, name, value) {
  const id = await (await page.waitForFunction(labelFor, {}, name)).jsonValue();
  await page.type(`[id="${id}"]`, value);
}

/** The JSON-RPC answer the Inspector's UI was given to its last tools/call of `tool`. */
async function answerTo(page, calls, tool) {
  const call = calls.filter((c) => c.params?.name === tool).at(-1);
  assert.ok(call, `the Inspector sent no tools/call for ${tool}`);
  await page.waitForFunction((id) => window.__mcpEvents.split('\n').some((l) => l.includes(`"id":${id},`)), { timeout: 15_000 }, call.id);
  const [answer] = await mcpMessages(page, call.id);
  assert.ok(answer, `no answer to ${tool} (id ${call.id})`);
  return answer;
}
