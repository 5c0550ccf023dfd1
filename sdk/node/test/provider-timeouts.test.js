// The provider-native calls (gamut.fetch, openAIOptions(), the MCP transport built on them) are bounded by the client's
// timeoutMs like every other call: against a real local server that takes each request and never answers.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { GamutClient, GamutTimeoutError } from '../src/index.js';
import { eventually } from './support/gateway.js';

const IDENTITY = { tenant: 'demo', workspace: 'ws-demo', agentId: 'demo-agent', secret: 'demo-secret-do-not-use-in-production-0123456789' };

describe('provider-native calls time out', () => {
  let server;
  let baseUrl;
  let received = 0;

  before(async () => {
    server = createServer((req, res) => {
      if (req.url === '/warm-up') { res.end('ready'); return; }
      received += 1; // takes the request, never answers
      req.resume();
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${server.address().port}`;
    // fetch (undici) loads on its first use, which on a loaded machine can take longer than a call's whole timeout.
    assert.equal(await (await fetch(`${baseUrl}/warm-up`)).text(), 'ready');
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  // Without a bound the call would wait for ever: the test's own limit turns that into a failure.
  test('gamut.fetch: no answer within timeoutMs rejects with GamutTimeoutError (code timeout)', { timeout: 20_000 }, async () => {
    // 2 s: time enough to send the request on a loaded machine (one aborted before it was sent would never reach the server).
    const gamut = new GamutClient({ baseUrl, ...IDENTITY, timeoutMs: 2_000 });
    const before = received;
    const timedOut = assert.rejects(
      gamut.fetch(`${gamut.providerUrl('openai')}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model":"m"}' }),
      (error) => error instanceof GamutTimeoutError && error.code === 'timeout' && /within 2000 ms/.test(error.message),
    );
    await eventually(() => received > before, 'the request reaching the server', 10_000);
    await timedOut;
    assert.equal(received, before + 1, 'the request was sent once, not retried');
  });

  test('openAIOptions(): the OpenAI client reports its own timeout error', { timeout: 20_000 }, async () => {
    const openai = new OpenAI(new GamutClient({ baseUrl, ...IDENTITY, timeoutMs: 200 }).openAIOptions());
    await assert.rejects(openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }), OpenAI.APIConnectionTimeoutError);
  });

  test('the caller\'s own signal still aborts first, as an abort rather than a timeout', { timeout: 20_000 }, async () => {
    const gamut = new GamutClient({ baseUrl, ...IDENTITY, timeoutMs: 60_000 });
    const caller = new AbortController();
    const call = gamut.fetch(`${gamut.providerUrl('openai')}/v1/models`, { signal: caller.signal });
    caller.abort();
    await assert.rejects(call, (error) => error.name === 'AbortError' && !(error instanceof GamutTimeoutError));
  });
});
