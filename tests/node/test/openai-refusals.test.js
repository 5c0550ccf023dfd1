// Every refusal on /providers/openai reaches the official OpenAI Node client as an OpenAI error object: the client's
// APIError carries the gateway's code and message for 401 (before the caller is known), 413, 429 and a fail-closed
// 503, never "<status> status code (no body)"; and a request the agent SDK refuses before sending is a BadRequestError
// with its reason, not "Connection error.".
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { GamutClient } from '../../../sdk/node/src/index.js';
import { startGateway } from '../lib/gateway.js';
import { createSigningFetch, DEMO_AGENT } from '../lib/signing.js';
import { startOpenAIUpstream } from '../lib/upstreams.js';

const CHAT = { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] };

/** The client's error is the gateway's: its status, code and message, an OpenAI error object behind it. */
function gatewayError(ErrorClass, status, code) {
  return (error) => {
    assert.ok(error instanceof ErrorClass, `expected ${ErrorClass.name}, got ${error?.constructor?.name}: ${error}`);
    assert.equal(error.status, status);
    assert.equal(error.code, code);
    assert.doesNotMatch(error.message, /no body/);
    assert.ok(error.error.message.length > 0, 'the refusal says why');
    assert.ok(error.error.request_id, 'the refusal carries the request id');
    return true;
  };
}

describe('refusals on /providers/openai, as the official OpenAI client shows them', () => {
  let upstream;
  let gateway;
  let signed;

  before(async () => {
    upstream = await startOpenAIUpstream();
    gateway = await startGateway({
      upstreams: { 'http://127.0.0.1:9100/v1': upstream.url },
      // One call a minute to the openai connector, so that the second governed call is rate limited.
      edit: (text) => text.replace('rate_limits:\n', 'rate_limits:\n  - { scope: tool, tool: openai, limit: 1, window: 1m }\n'),
    });
    signed = new OpenAI({ apiKey: 'unused', baseURL: `${gateway.baseUrl}/providers/openai`, fetch: createSigningFetch(DEMO_AGENT), maxRetries: 0, timeout: 20_000 });
  });

  after(async () => {
    await gateway?.stop();
    await upstream?.close();
  });

  test('an unsigned call: AuthenticationError with the gateway\'s code, before the caller is known', async () => {
    const unsigned = new OpenAI({ apiKey: 'sk-not-a-gamut-agent', baseURL: `${gateway.baseUrl}/providers/openai`, maxRetries: 0 });
    await assert.rejects(unsigned.chat.completions.create(CHAT), gatewayError(OpenAI.AuthenticationError, 401, 'missing_header'));
    await assert.rejects(unsigned.models.list(), gatewayError(OpenAI.AuthenticationError, 401, 'missing_header'));
  });

  test('a body over the gateway\'s 4 MiB: 413 payload_too_large in the client\'s APIError', async () => {
    const huge = { ...CHAT, messages: [{ role: 'user', content: 'x'.repeat(4 * 1024 * 1024 + 1024) }] };
    await assert.rejects(signed.chat.completions.create(huge), gatewayError(OpenAI.APIError, 413, 'payload_too_large'));
    assert.equal(upstream.requests.length, 0);
  });

  test('fail closed (no provider key in the vault): 503 credential_unavailable, not retried', async () => {
    await assert.rejects(signed.chat.completions.create(CHAT), gatewayError(OpenAI.InternalServerError, 503, 'credential_unavailable'));
    assert.equal(upstream.requests.length, 0);
  });

  test('a rate limit: RateLimitError 429 rate_limited with retry_after_seconds', async () => {
    await assert.rejects(signed.chat.completions.create(CHAT), (error) => {
      gatewayError(OpenAI.RateLimitError, 429, 'rate_limited')(error);
      assert.match(error.message, /rate limit/i);
      return true;
    });
    assert.equal(upstream.requests.length, 0);
  });

  test('a path no OpenAI operation names, unsigned: problem+json, as on every route the client does not own', async () => {
    const response = await fetch(`${gateway.baseUrl}/providers/openai/not-an-openai-path`, { method: 'POST', body: '{}' });
    assert.equal(response.status, 401);
    assert.match(response.headers.get('content-type'), /application\/problem\+json/);
  });

  test('the agent SDK\'s own refusal (secret material, a base_url member): BadRequestError with the reason, nothing sent', async () => {
    const gamut = new GamutClient({ baseUrl: gateway.baseUrl, tenant: DEMO_AGENT.tenant, workspace: DEMO_AGENT.workspace, agentId: DEMO_AGENT.agent, secret: DEMO_AGENT.secret });
    const openai = new OpenAI(gamut.openAIOptions());
    for (const [request, path] of [
      [{ ...CHAT, messages: [{ role: 'user', content: 'use sk-proj-abcdefghijklmnopqrstuvwxyz0123456789ABCD' }] }, '$.messages[0].content'],
      [{ ...CHAT, metadata: { base_url: 'https://api.openai.com/v1' } }, '$.metadata.base_url'],
    ]) {
      await assert.rejects(openai.chat.completions.create(request), (error) => {
        assert.ok(error instanceof OpenAI.BadRequestError, `expected BadRequestError, got ${error?.constructor?.name}: ${error}`);
        assert.equal(error.code, 'secret_material_in_payload');
        assert.match(error.message, /Refused before sending/);
        assert.deepEqual(error.error.findings.map((f) => f.path), [path]);
        assert.equal(error.error.sent, false);
        return true;
      });
    }
    assert.equal(upstream.requests.length, 0);
  });
});
