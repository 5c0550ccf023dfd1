// The agent developer's journey on /mcp: one-shot clients, each run as docs/mcp.md says and never ending its session
// (the official TypeScript SDK's close() and the MCP Inspector CLI send no DELETE), run many times in a row against one
// REAL gateway with the example bundle: every one connects (an agent at its session limit gives up its least recently
// used idle session), and every tool the example serves has a description and an input schema a model can use.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SignJWT } from 'jose';
import { startGateway } from '../lib/gateway.js';
import { INSPECTOR } from '../lib/inspector.js';
import { createSigningFetch, DEMO_AGENT } from '../lib/signing.js';
import { startMcpUpstream } from '../lib/upstreams.js';

const run = promisify(execFile);
// No run ends its session, so the sessions pile up as they would in a row: the TypeScript SDK's 50 runs go past the 16
// that used to lock the agent out three times over, and each Inspector run after them finds the agent at its limit too.
const TS_CLIENT_RUNS = 50;
// Each Inspector run is a node process of its own (two to three seconds of CPU on a 2-core machine): ten runs, five at a
// time, every one past the limit the TypeScript runs left the agent at.
const INSPECTOR_RUNS = 10;
const INSPECTOR_WAVE = 5;

describe('one-shot MCP clients on /mcp, many in a row', () => {
  let upstream;
  let gateway;

  before(async () => {
    upstream = await startMcpUpstream();
    gateway = await startGateway({
      upstreams: { 'http://127.0.0.1:9200/mcp': upstream.url },
      // The demo agent's own rate limit (per minute) is not what this journey is about: lifted, so that only the
      // session limit stands between a run and its connection.
      edit: (text) => text.replace(/\{ scope: agent, agent: demo-agent, limit: \d+, window: (\w+) \}/, '{ scope: agent, agent: demo-agent, limit: 100000, window: $1 }'),
    });
  });

  after(async () => {
    await gateway?.stop();
    await upstream?.close();
  });

  test(`the TypeScript SDK client, ${TS_CLIENT_RUNS} times in a row: each connects, lists the tools and closes`, async () => {
    for (let i = 0; i < TS_CLIENT_RUNS; i++) {
      const client = new Client({ name: `one-shot-${i}`, version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(`${gateway.baseUrl}/mcp`), { fetch: createSigningFetch(DEMO_AGENT) }));
      const { tools } = await client.listTools();
      assert.ok(tools.some((t) => t.name === 'crm_read_contact'), `run ${i + 1}: ${tools.map((t) => t.name).join(',')}`);
      await client.close();
    }
  });

  test(`the MCP Inspector CLI, ${INSPECTOR_RUNS} times (${INSPECTOR_WAVE} at a time) with an access token: each lists the tools`, { timeout: 300_000 }, async () => {
    const inspect = async (i) => {
      const token = await accessToken(gateway.baseUrl);
      const { stdout } = await run(process.execPath, [
        INSPECTOR, '--cli', `${gateway.baseUrl}/mcp`, '--transport', 'http', '--method', 'tools/list',
        '--header', `Authorization: Bearer ${token}`, '--format', 'json', '--quiet',
      ], { timeout: 60_000, env: { ...process.env, HOME: gateway.workDir, MCP_CATALOG_PATH: join(gateway.workDir, `inspector-catalog-${i}.json`) } })
        .catch((error) => assert.fail(`Inspector run ${i + 1} failed (exit ${error.code}): ${error.stderr || error.stdout}`));
      const names = JSON.stringify(JSON.parse(stdout));
      assert.ok(names.includes('crm_read_contact'), `run ${i + 1}: ${stdout.slice(0, 500)}`);
    };
    for (let wave = 0; wave < INSPECTOR_RUNS; wave += INSPECTOR_WAVE) {
      await Promise.all(Array.from({ length: INSPECTOR_WAVE }, (_, k) => inspect(wave + k)));
    }
  });

  test('every tool the example bundle serves has a real description and an input schema with its properties', async () => {
    const client = new Client({ name: 'schema-reader', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${gateway.baseUrl}/mcp`), { fetch: createSigningFetch(DEMO_AGENT) }));
    try {
      const { tools } = await client.listTools();
      assert.deepEqual(tools.map((t) => t.name).sort(), ['crm_read_contact', 'crm_update_contact', 'docs__search', 'mail_send', 'payments_refund', 'tickets_search']);
      for (const tool of tools) {
        assert.ok(tool.description && !/governed by the gateway\.$/.test(tool.description), `${tool.name}: "${tool.description}"`);
        assert.equal(tool.inputSchema.type, 'object', tool.name);
        assert.ok(Object.keys(tool.inputSchema.properties ?? {}).length > 0, `${tool.name} has no properties: ${JSON.stringify(tool.inputSchema)}`);
      }
      const read = tools.find((t) => t.name === 'crm_read_contact');
      assert.deepEqual(read.inputSchema.required, ['id']);
    } finally {
      await client.close();
    }
  });
});

/**
 * An access token for the demo agent, as docs/mcp.md says ("Getting a token"): the client-credentials grant with a
 * client_secret_jwt assertion (HS256 under the agent's runtime secret, which is never sent).
 */
async function accessToken(baseUrl) {
  const clientId = `${DEMO_AGENT.tenant}/${DEMO_AGENT.workspace}/${DEMO_AGENT.agent}`;
  const assertion = await new SignJWT({})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(baseUrl)
    .setIssuedAt()
    .setExpirationTime('2m')
    .setJti(randomUUID())
    .sign(new TextEncoder().encode(DEMO_AGENT.secret));
  const response = await fetch(`${baseUrl}/oauth/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      resource: `${baseUrl}/mcp`,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    }),
  });
  const body = await response.json();
  assert.equal(response.status, 200, JSON.stringify(body));
  return body.access_token;
}
