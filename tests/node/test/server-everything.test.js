// A real MCP server nobody here wrote, @modelcontextprotocol/server-everything, behind the real gateway, driven by
// the official MCP TypeScript SDK client through /providers/everything (its own protocol surface, filtered) and
// through /mcp (the gateway's one endpoint). The bundle permits the server, echo, get-sum, the long-running
// operation, structured content, the tiny image and the sampling tool; get-env (it returns the server's environment)
// is in the catalog but not permitted, and no other tool has an entry.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CallToolResultSchema, CreateMessageRequestSchema, ElicitRequestSchema, ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { startEverything } from '../lib/everything.js';
import { startGateway } from '../lib/gateway.js';
import { createSigningFetch, DEMO_AGENT } from '../lib/signing.js';

const PERMITTED = ['echo', 'get-structured-content', 'get-sum', 'get-tiny-image', 'trigger-elicitation-request', 'trigger-long-running-operation', 'trigger-sampling-request'];

function bundle(url) {
  const entries = [
    `  - { name: everything, kind: mcp, action_type: read, target_system: everything, upstream: "${url}", credential: none }`,
    ...[...PERMITTED, 'get-env'].map((tool) => `  - { name: "everything.${tool}", kind: mcp_tool, action_type: read, target_system: everything, connector: everything, mcp_tool: "${tool}" }`),
  ];
  const permissions = ['everything', ...PERMITTED.map((tool) => `everything.${tool}`)].map((tool) => `      - { tool: "${tool}" }`);
  return (text) => text
    .replace('catalog:\n', `catalog:\n${entries.join('\n')}\n`)
    .replace('      - { tool: workspace }\n', `      - { tool: workspace }\n${permissions.join('\n')}\n`);
}

async function refusalOf(promise) {
  return promise.then(() => assert.fail('the call was not refused'), (error) => error);
}

describe('server-everything through the gateway', () => {
  let everything;
  let gateway;

  before(async () => {
    everything = await startEverything();
    gateway = await startGateway({ edit: bundle(everything.url) });
  });

  after(async () => {
    await gateway?.stop();
    await everything?.stop();
  });

  describe('through /providers/everything', () => {
    let client;
    const sampled = [];

    before(async () => {
      client = new Client({ name: 'everything-tests', version: '1.0.0' }, { capabilities: { sampling: {}, elicitation: {} } });
      client.setRequestHandler(CreateMessageRequestSchema, async (request) => {
        sampled.push(request.params);
        return { model: 'stand-in', role: 'assistant', content: { type: 'text', text: 'a sampled answer' } };
      });
      await client.connect(new StreamableHTTPClientTransport(new URL(`${gateway.baseUrl}/providers/everything`), { fetch: createSigningFetch(DEMO_AGENT) }));
    });

    after(async () => {
      await client?.close().catch(() => {});
    });

    test('tools/list lists exactly the permitted tools the server serves', async () => {
      const { tools } = await client.listTools();
      assert.deepEqual(tools.map((t) => t.name).sort(), PERMITTED);
    });

    test('a tool the agent may not use is refused with -31000, a code no SDK reserves', async () => {
      const refused = await refusalOf(client.callTool({ name: 'get-env', arguments: {} }));
      assert.ok(refused instanceof McpError, String(refused));
      assert.equal(refused.code, -31000);
      assert.ok(!Object.values(ErrorCode).includes(refused.code));
      assert.equal(refused.data.code, 'blocked');
    });

    test('an allowed tool answers', async () => {
      const result = await client.callTool({ name: 'echo', arguments: { message: 'through the gateway' } });
      assert.deepEqual(result.content, [{ type: 'text', text: 'Echo: through the gateway' }]);
    });

    test('a long-running tool\'s progress reaches the client in order', async () => {
      const progress = [];
      const result = await client.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 0.3, steps: 3 } }, undefined, {
        onprogress: (p) => progress.push(p.progress),
      });
      assert.ok(!result.isError, JSON.stringify(result));
      assert.deepEqual(progress, [1, 2, 3]);
    });

    test('the server\'s sampling request mid-call reaches the client and the call completes', async () => {
      const result = await client.callTool({ name: 'trigger-sampling-request', arguments: { prompt: 'Say something.', maxTokens: 20 } });
      assert.ok(!result.isError, JSON.stringify(result));
      assert.equal(sampled.length, 1);
      assert.match(JSON.stringify(result.content), /a sampled answer/);
    });

    test('resources list and read', async () => {
      const { resources } = await client.listResources();
      assert.ok(resources.length > 0);
      const read = await client.readResource({ uri: resources[0].uri });
      assert.equal(read.contents[0].uri, resources[0].uri);
    });

    test('a stream cut mid-call resumes with Last-Event-ID through the gateway and delivers the rest', async () => {
      const signed = createSigningFetch(DEMO_AGENT);
      const url = `${gateway.baseUrl}/providers/everything`;
      const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
      const init = await signed(url, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }) });
      const session = init.headers.get('mcp-session-id');
      await init.text();
      const sessionHeaders = { ...headers, 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' };
      await (await signed(url, { method: 'POST', headers: sessionHeaders, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) })).text();

      const cut = new AbortController();
      const call = await signed(url, {
        method: 'POST',
        headers: sessionHeaders,
        signal: cut.signal,
        body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'trigger-long-running-operation', arguments: { duration: 0.6, steps: 3 }, _meta: { progressToken: 'resume' } } }),
      });
      const reader = call.body.getReader();
      let seen = '';
      while (!/\nid: ?\S+/.test(seen)) {
        const { value, done } = await reader.read();
        assert.ok(!done, `the stream ended before its first event: ${seen}`);
        seen += Buffer.from(value).toString('utf8');
      }
      const lastEventId = seen.match(/\nid: ?(\S+)/)[1];
      cut.abort();

      // server-everything's event store answers a replay with the last event id it sent instead of the stream's id, so
      // the SDK files the resumed GET under that id: whatever the call sends after the GET arrives is stored but never
      // written to it (directly as through the gateway); what is stored by then is replayed. So the client resumes once
      // the server is done with the call: after a second call that the server finishes later (it starts a step after
      // the first and lasts longer) has answered.
      const later = await signed(url, { method: 'POST', headers: sessionHeaders, body: JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'trigger-long-running-operation', arguments: { duration: 1, steps: 1 } } }) });
      assert.match(await later.text(), /"id":3/);

      const resumed = await signed(url, { method: 'GET', headers: { accept: 'text/event-stream', 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18', 'last-event-id': lastEventId } });
      assert.equal(resumed.status, 200);
      const rest = resumed.body.getReader();
      let replay = '';
      const messages = () => replay.split(/\n\n/).slice(0, -1).flatMap((event) => event.split('\n').filter((line) => line.startsWith('data: {')).map((line) => JSON.parse(line.slice(6))));
      while (!messages().some((m) => m.id === 2)) {
        const { value, done } = await rest.read();
        assert.ok(!done, `the resumed stream ended before the result: ${replay}`);
        replay += Buffer.from(value).toString('utf8');
      }
      await rest.cancel();
      const replayed = messages();
      assert.deepEqual(replayed.filter((m) => m.params?.progressToken === 'resume').map((m) => m.params.progress), [2, 3]);
      assert.match(JSON.stringify(replayed.find((m) => m.id === 2).result), /Long running operation completed/);
    });

    test('prompts list and get', async () => {
      const { prompts } = await client.listPrompts();
      assert.ok(prompts.some((p) => p.name === 'simple-prompt'), prompts.map((p) => p.name).join(','));
      const prompt = await client.getPrompt({ name: 'simple-prompt' });
      assert.ok(prompt.messages.length > 0);
    });
  });

  describe('through /mcp', () => {
    let client;
    const sampled = [];
    const elicited = [];

    before(async () => {
      client = new Client({ name: 'everything-tests-mcp', version: '1.0.0' }, { capabilities: { sampling: {}, elicitation: {} } });
      client.setRequestHandler(CreateMessageRequestSchema, async (request) => {
        sampled.push(request.params);
        return { model: 'stand-in', role: 'assistant', content: { type: 'text', text: 'a sampled answer via /mcp' } };
      });
      client.setRequestHandler(ElicitRequestSchema, async (request) => {
        elicited.push(request.params);
        return { action: 'accept', content: { name: 'Ada', check: true, integer: 7 } };
      });
      await client.connect(new StreamableHTTPClientTransport(new URL(`${gateway.baseUrl}/mcp`), { fetch: createSigningFetch(DEMO_AGENT) }));
    });

    after(async () => {
      await client?.close().catch(() => {});
    });

    test('tools/list names the server\'s permitted tools under the server and nothing it may not use', async () => {
      const names = (await client.listTools()).tools.map((t) => t.name).filter((n) => n.startsWith('everything__')).sort();
      // server-everything registers its sampling and elicitation tools only for clients that can answer them: the
      // gateway's sessions with it declare both, because it relays the server's requests to the calling agent.
      assert.deepEqual(names, PERMITTED.map((t) => `everything__${t}`));
    });

    test('the server\'s sampling request mid-call reaches the client through /mcp, and its answer the server', async () => {
      const result = await client.callTool({ name: 'everything__trigger-sampling-request', arguments: { prompt: 'Say something.', maxTokens: 20 } });
      assert.ok(!result.isError, JSON.stringify(result));
      assert.equal(sampled.length, 1);
      assert.match(JSON.stringify(sampled[0].messages), /Say something/);
      assert.match(JSON.stringify(result.content), /a sampled answer via \/mcp/);
      assert.equal(result._meta['gamut.dev/decision'], 'allow');
    });

    test('the server\'s elicitation request mid-call reaches the client through /mcp, and the person\'s answer the server', async () => {
      const result = await client.callTool({ name: 'everything__trigger-elicitation-request', arguments: {} });
      assert.ok(!result.isError, JSON.stringify(result));
      assert.equal(elicited.length, 1);
      assert.match(JSON.stringify(result.content), /Ada/);
    });

    test('a call answers, with the decision under _meta', async () => {
      const result = await client.callTool({ name: 'everything__get-sum', arguments: { a: 2, b: 3 } });
      assert.match(JSON.stringify(result.content), /5/);
      assert.equal(result._meta['gamut.dev/decision'], 'allow');
    });

    test('structured and binary content pass through intact', async () => {
      const structured = await client.callTool({ name: 'everything__get-structured-content', arguments: { location: 'New York' } });
      assert.ok(structured.structuredContent, JSON.stringify(structured));
      const image = await client.callTool({ name: 'everything__get-tiny-image', arguments: {} });
      const png = image.content.find((c) => c.type === 'image');
      assert.equal(png.mimeType, 'image/png');
      assert.ok(Buffer.from(png.data, 'base64').subarray(1, 4).toString() === 'PNG');
    });

    test('progress reaches the client in order', async () => {
      const progress = [];
      const result = await client.callTool({ name: 'everything__trigger-long-running-operation', arguments: { duration: 0.3, steps: 3 } }, undefined, {
        onprogress: (p) => progress.push(p.progress),
      });
      assert.ok(!result.isError, JSON.stringify(result));
      assert.deepEqual(progress, [1, 2, 3]);
    });

    test('a stream cut mid-call is resumed by the SDK with its resumption token and delivers the answer', async () => {
      // The official client's own resumption: it keeps the last event id of a call's stream (onresumptiontoken) and, on a
      // new transport of the same session, resumes the call with it (a GET with Last-Event-ID) instead of calling again.
      const url = new URL(`${gateway.baseUrl}/mcp`);
      const first = new StreamableHTTPClientTransport(url, { fetch: createSigningFetch(DEMO_AGENT) });
      const cutClient = new Client({ name: 'resume-cut', version: '1.0.0' });
      await cutClient.connect(first);
      const session = first.sessionId;
      const tokens = [];
      const call = { method: 'tools/call', params: { name: 'everything__trigger-long-running-operation', arguments: { duration: 1.5, steps: 3 } } };
      const cut = cutClient.request(call, CallToolResultSchema, { onprogress: () => {}, onresumptiontoken: (token) => tokens.push(token) });
      cut.catch(() => {});
      for (let i = 0; i < 200 && tokens.length === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      assert.ok(tokens.length > 0, 'no event id reached the client');
      assert.match(tokens[0], /^gamut-call-[0-9a-f]{32}\.1$/);
      await first.close();

      const second = new StreamableHTTPClientTransport(url, { fetch: createSigningFetch(DEMO_AGENT), sessionId: session });
      const resumingClient = new Client({ name: 'resume-rest', version: '1.0.0' });
      await resumingClient.connect(second);
      const result = await resumingClient.request(call, CallToolResultSchema, { resumptionToken: tokens.at(-1) });
      await resumingClient.close();

      assert.match(JSON.stringify(result.content), /Long running operation completed/);
      assert.equal(result._meta['gamut.dev/decision'], 'allow');
    });

    test('a tool the agent may not use is neither listed nor callable', async () => {
      const refused = await refusalOf(client.callTool({ name: 'everything__get-env', arguments: {} }));
      assert.equal(refused.code, -31000);
    });

    test('the server\'s prompts and resources are served under its name', async () => {
      const { prompts } = await client.listPrompts();
      assert.ok(prompts.some((p) => p.name === 'everything__simple-prompt'), prompts.map((p) => p.name).join(','));
      const prompt = await client.getPrompt({ name: 'everything__simple-prompt' });
      assert.ok(prompt.messages.length > 0);
      const { resources } = await client.listResources();
      const served = resources.find((r) => r.uri.startsWith('gamut-mcp://everything/'));
      assert.ok(served, resources.map((r) => r.uri).join(','));
      const read = await client.readResource({ uri: served.uri });
      assert.ok(read.contents.length > 0);
    });
  });
});
