// Provider-native clients signed by the SDK, through the real gateway's provider route: the official
// OpenAI Node client (plain and streamed) and the MCP TypeScript SDK's client.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { GamutClient, GamutSecretMaterialError } from '../src/index.js';
import { createMcpTransport, withWarrant } from '../src/mcp.js';
import { startEnvironment } from './support/gateway.js';
import { STREAM_PIECES } from './support/upstream.js';

describe('provider-native clients through /providers', () => {
  let env;
  let gamut;
  let openai;

  before(async () => {
    env = await startEnvironment();
    gamut = new GamutClient(env.demo);
    openai = new OpenAI(gamut.openAIOptions());
  });

  after(async () => {
    await env?.stop();
  });

  test('OpenAI client: a chat completion, signed, with the gateway injecting the key', async () => {
    const completion = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] });
    assert.equal(completion.choices[0].message.content, STREAM_PIECES.join(''));
    const received = env.upstream.requests.findLast((r) => r.path === '/v1/chat/completions');
    assert.equal(received.headers.authorization, 'Bearer openai-test-key');
    assert.ok(!JSON.stringify(received.headers).includes('gamut-signed-request'), 'the placeholder key never leaves the agent');
  });

  test('OpenAI client: a streamed chat completion streams through in order', async () => {
    const stream = await openai.chat.completions.create({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hello' }] });
    const pieces = [];
    for await (const chunk of stream) {
      const content = chunk.choices[0]?.delta?.content;
      if (content) pieces.push(content);
    }
    assert.deepEqual(pieces, STREAM_PIECES);
  });

  test('OpenAI client: secret material in a prompt is refused before it is sent, the reason in the client\'s BadRequestError', async () => {
    const before = env.upstream.requests.length;
    await assert.rejects(
      openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'my key is sk-proj-abcdefghijklmnopqrstuvwxyz0123456789ABCD' }] }),
      (error) => {
        assert.ok(error instanceof OpenAI.BadRequestError, `expected BadRequestError, got ${error?.constructor?.name}: ${error}`);
        assert.equal(error.status, 400);
        assert.equal(error.code, 'secret_material_in_payload');
        assert.match(error.message, /Refused before sending: secret material .* at \$\.messages\[0\]\.content/);
        assert.equal(error.error.sent, false);
        assert.deepEqual(error.error.findings.map((f) => f.path), ['$.messages[0].content']);
        assert.equal(error.headers.get('x-gamut-refused-by'), 'sdk');
        assert.ok(!error.message.includes('abcdefghijklmnop'), 'the secret is never repeated');
        return true;
      },
    );
    assert.equal(env.upstream.requests.length, before);
  });

  test('OpenAI client: a base_url member is refused before it is sent, with its path, not as a connection error', async () => {
    const before = env.upstream.requests.length;
    await assert.rejects(
      openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], metadata: { base_url: 'https://api.openai.com/v1' } }),
      (error) => {
        assert.ok(!(error instanceof OpenAI.APIConnectionError), `a connection error hides the reason: ${error}`);
        assert.ok(error instanceof OpenAI.BadRequestError, `expected BadRequestError, got ${error}`);
        assert.equal(error.code, 'secret_material_in_payload');
        assert.deepEqual(error.error.findings.map((f) => f.path), ['$.metadata.base_url']);
        return true;
      },
    );
    assert.equal(env.upstream.requests.length, before);
  });

  test('gamut.fetch itself still throws GamutSecretMaterialError (the building block for other clients)', async () => {
    await assert.rejects(
      gamut.fetch(`${gamut.providerUrl('openai')}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ api_key: 'x' }) }),
      GamutSecretMaterialError,
    );
  });

  test('MCP client: lists only the permitted tools and calls one through the gateway', async () => {
    const mcp = new Client({ name: 'sdk-test', version: '1.0.0' });
    await mcp.connect(createMcpTransport(gamut, 'docs'));
    try {
      const { tools } = await mcp.listTools();
      assert.deepEqual(tools.map((t) => t.name), ['search']);
      const result = await mcp.callTool({ name: 'search', arguments: { query: 'gateways' } });
      assert.equal(result.content[0].text, '3 documents match "gateways"');
    } finally {
      await mcp.close();
    }
  });

  test('MCP client on /mcp: every governed tool the agent may use, one endpoint, each call decided', async () => {
    const mcp = new Client({ name: 'sdk-test', version: '1.0.0' });
    await mcp.connect(createMcpTransport(gamut));
    try {
      const names = (await mcp.listTools()).tools.map((t) => t.name);
      assert.ok(names.includes('docs__search'), names.join(','));
      assert.ok(names.includes('crm_read_contact'), names.join(','));
      assert.ok(!names.includes('docs__delete_document'), names.join(','));
      const result = await mcp.callTool({ name: 'docs__search', arguments: { query: 'gateways' } });
      assert.equal(result.content[0].text, '3 documents match "gateways"');
      assert.equal(result._meta['gamut.dev/decision'], 'allow');
    } finally {
      await mcp.close();
    }
  });

  test('withWarrant puts the warrant under _meta and keeps the rest', () => {
    const params = withWarrant({ name: 'payments_refund', arguments: { amount: 5 }, _meta: { progressToken: 1 } }, 'w.1');
    assert.deepEqual(params, { name: 'payments_refund', arguments: { amount: 5 }, _meta: { progressToken: 1, 'gamut.dev/warrant': 'w.1' } });
    assert.throws(() => withWarrant({ name: 'x' }, ''), TypeError);
  });

  test('MCP transport refuses another URL, headers or auth', () => {
    assert.throws(() => createMcpTransport(gamut, 'docs', { requestInit: { headers: { Authorization: 'x' } } }), TypeError);
    assert.throws(() => createMcpTransport(gamut, '../elsewhere'), Error);
    assert.throws(() => createMcpTransport(gamut, { requestInit: {} }), TypeError);
  });
});
