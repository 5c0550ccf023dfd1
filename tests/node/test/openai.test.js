// The official OpenAI Node client through the real gateway's transparent route /providers/openai.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { startGateway } from '../lib/gateway.js';
import { createSigningFetch, DEMO_AGENT, signatureHeaders } from '../lib/signing.js';
import { STREAM_PIECES, startOpenAIUpstream } from '../lib/upstreams.js';
import { assertCleanUpstreamHeaders, assertOpenAIError } from '../lib/assertions.js';

const UPSTREAM_KEY = 'sk-test-upstream-key-123';
const ROGUE_AGENT = Object.freeze({ ...DEMO_AGENT, agent: 'rogue-agent', secret: 'rogue-agent-node-test-secret-0123456789abcdef' });
const CLIENT_API_KEY = 'unused-by-gateway';

describe('OpenAI Node client through /providers/openai', () => {
  let upstream;
  let gateway;
  let client;

  before(async () => {
    upstream = await startOpenAIUpstream();
    gateway = await startGateway({ upstreams: { 'http://127.0.0.1:9100/v1': upstream.url }, env: { ROGUE_AGENT_SECRET: ROGUE_AGENT.secret } });
    await gateway.putCredential('demo', 'openai-key', UPSTREAM_KEY);
    client = new OpenAI({
      apiKey: CLIENT_API_KEY,
      baseURL: `${gateway.baseUrl}/providers/openai`,
      fetch: createSigningFetch(DEMO_AGENT),
      maxRetries: 0,
      timeout: 20_000,
    });
  });

  after(async () => {
    await gateway?.stop();
    await upstream?.close();
  });

  test('a streamed chat completion streams through, in order, with the vault key injected', async () => {
    const seen = upstream.requests.length;
    const stream = await client.chat.completions.create({
      model: 'gpt-4o',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'Say something about gateways.' }],
    });
    const pieces = [];
    let firstPieceAt;
    let usage;
    for await (const chunk of stream) {
      const content = chunk.choices[0]?.delta?.content;
      if (content) {
        pieces.push(content);
        if (pieces.length === 1) {
          firstPieceAt = Date.now();
          upstream.releaseStream();
        }
      }
      if (chunk.usage) usage = chunk.usage;
    }
    assert.deepEqual(pieces, STREAM_PIECES);
    assert.deepEqual(usage, { prompt_tokens: 11, completion_tokens: STREAM_PIECES.length, total_tokens: 11 + STREAM_PIECES.length });

    assert.equal(upstream.requests.length, seen + 1, 'exactly one request reached the upstream');
    const received = upstream.requests.at(-1);
    // The first chunk reached the client while the upstream was still holding the rest: nothing buffered.
    assert.ok(firstPieceAt <= received.releasedAt, `first chunk reached the client ${firstPieceAt - received.releasedAt} ms after the upstream finished: the stream was buffered`);
    assert.equal(received.url, '/v1/chat/completions');
    assert.equal(received.json.model, 'gpt-4o');
    assert.equal(received.json.stream, true);
    assert.equal(received.headers.authorization, `Bearer ${UPSTREAM_KEY}`);
    assertCleanUpstreamHeaders(received.headers, { forbiddenValues: [CLIENT_API_KEY], tool: 'openai' });
  });

  test('a non-streamed chat completion returns the upstream JSON', async () => {
    const seen = upstream.requests.length;
    const completion = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'Say something about gateways.' }],
    });
    assert.equal(completion.object, 'chat.completion');
    assert.equal(completion.choices[0].message.content, STREAM_PIECES.join(''));
    assert.equal(completion.usage.total_tokens, 11 + STREAM_PIECES.length);

    assert.equal(upstream.requests.length, seen + 1);
    const received = upstream.requests.at(-1);
    assert.equal(received.json.model, 'gpt-4o');
    assert.ok(!received.json.stream, 'the upstream was not asked to stream');
    assert.equal(received.headers.authorization, `Bearer ${UPSTREAM_KEY}`);
    assertCleanUpstreamHeaders(received.headers, { forbiddenValues: [CLIENT_API_KEY], tool: 'openai' });
  });

  test('a call blocked by policy surfaces the gateway\'s code and message in the client\'s APIError, without retries', async () => {
    const seen = upstream.requests.length;
    let attempts = 0;
    const rogue = new OpenAI({
      apiKey: CLIENT_API_KEY,
      baseURL: `${gateway.baseUrl}/providers/openai`,
      fetch: createSigningFetch(ROGUE_AGENT, { onRequest: () => { attempts += 1; } }),
      maxRetries: 2,
      timeout: 20_000,
    });
    await assert.rejects(
      rogue.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }),
      (error) => {
        assert.ok(error instanceof OpenAI.PermissionDeniedError, `expected PermissionDeniedError, got ${error}`);
        assert.equal(error.status, 403);
        assert.equal(error.code, 'blocked_incident_opened');
        assert.match(error.message, /blocked and an incident was opened/);
        assert.equal(error.error.decision, 'block_and_open_incident');
        assert.ok(error.error.request_id, 'the refusal carries the request id');
        return true;
      },
    );
    assert.equal(attempts, 1, 'the client did not retry a refusal');
    assert.equal(upstream.requests.length, seen);
  });

  test('secret material in a prompt is refused with the code in the client\'s APIError', async () => {
    const seen = upstream.requests.length;
    await assert.rejects(
      client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'use sk-proj-abcdefghijklmnopqrstuvwxyz0123456789ABCD' }] }),
      (error) => {
        assert.ok(error instanceof OpenAI.BadRequestError, `expected BadRequestError, got ${error}`);
        assert.equal(error.code, 'secret_material_in_payload');
        assert.match(error.message, /secret material/);
        return true;
      },
    );
    assert.equal(upstream.requests.length, seen);
  });

  test('an unsigned request is refused with 401 missing_header, as an OpenAI error object, and nothing is forwarded', async () => {
    const seen = upstream.requests.length;
    const response = await fetch(`${gateway.baseUrl}/providers/openai/chat/completions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${CLIENT_API_KEY}` },
      body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }),
    });
    await assertOpenAIError(response, 401, 'missing_header');
    assert.equal(upstream.requests.length, seen);
  });

  test('the OpenAI client refuses to work unsigned (plain fetch): APIError 401', async () => {
    const seen = upstream.requests.length;
    const unsigned = new OpenAI({ apiKey: CLIENT_API_KEY, baseURL: `${gateway.baseUrl}/providers/openai`, maxRetries: 0 });
    await assert.rejects(
      unsigned.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }),
      (error) => error instanceof OpenAI.AuthenticationError && error.code === 'missing_header',
    );
    assert.equal(upstream.requests.length, seen);
  });

  test('a signed request carrying the runtime secret in Authorization is refused with 401', async () => {
    const seen = upstream.requests.length;
    const body = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
    const target = '/providers/openai/chat/completions';
    const response = await fetch(gateway.baseUrl + target, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Authorization: `Bearer ${DEMO_AGENT.secret}`,
        ...signatureHeaders(DEMO_AGENT, 'POST', target, Buffer.from(body)),
      },
      body,
    });
    await assertOpenAIError(response, 401, 'secret_presented_otherwise');
    assert.equal(upstream.requests.length, seen);
  });

  test('the OpenAI client configured with the runtime secret as its apiKey is refused with 401', async () => {
    const seen = upstream.requests.length;
    const misconfigured = new OpenAI({
      apiKey: DEMO_AGENT.secret,
      baseURL: `${gateway.baseUrl}/providers/openai`,
      fetch: createSigningFetch(DEMO_AGENT),
      maxRetries: 0,
    });
    await assert.rejects(
      misconfigured.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }),
      (error) => error instanceof OpenAI.APIError && error.status === 401,
    );
    assert.equal(upstream.requests.length, seen);
  });
});
