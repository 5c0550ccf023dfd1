// A real Node http server standing in for every connector of the example bundle (crm, payments, the
// build host, context, MCP docs) and, named as such, a FAKE model server on /v1/chat/completions (no cloud
// here): it asks for the tool the user's message names, then answers with what the tool returned.
import { createServer } from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';
import { a2aCard, a2aReply } from './a2a-agent.js';

export const STREAM_PIECES = ['The ', 'gateway ', 'streamed ', 'this.'];

async function readBody(request) {
  const chunks = [];
  for await (const chunk of request) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function json(res, status, payload) {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
}

/** The fake model: a tool call for the tool the last user message names (`call <tool> <json args>`), then a final answer. */
function fakeModel(request) {
  const messages = request.messages ?? [];
  const last = messages.at(-1);
  if (last?.role === 'tool') {
    return { role: 'assistant', content: `The tool answered: ${typeof last.content === 'string' ? last.content : JSON.stringify(last.content)}` };
  }
  const text = typeof last?.content === 'string' ? last.content : (last?.content ?? []).map((p) => p.text ?? '').join('');
  const match = /call (\S+) (\{.*\})/.exec(text);
  if (match && (request.tools ?? []).some((t) => t.function?.name === match[1])) {
    return {
      role: 'assistant',
      content: null,
      tool_calls: [{ id: `call_${Math.random().toString(36).slice(2, 10)}`, type: 'function', function: { name: match[1], arguments: match[2] } }],
    };
  }
  return { role: 'assistant', content: STREAM_PIECES.join('') };
}

/** The calls for the slow contact a test holds: `arrived` (how many reached the upstream), `ended`, and `open()`, their gate. */
function heldCalls() {
  let open;
  const opened = new Promise((resolve) => { open = resolve; });
  return { arrived: 0, ended: 0, opened, open: () => open() };
}

export async function startUpstream() {
  const requests = [];
  let slowCalls; // holdSlowCalls()
  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    const path = new URL(req.url, 'http://upstream').pathname;
    const record = { method: req.method, path, url: req.url, headers: { ...req.headers }, body: body.toString('utf8') };
    requests.push(record);
    if (path.startsWith('/crm/contacts/')) {
      const id = decodeURIComponent(path.split('/').at(-1));
      if (id === 'slow') {
        // Held until the test opens the gate, or the gateway drops the call (without a gate: until it drops it).
        const held = slowCalls;
        if (held) held.arrived += 1;
        let dropped = false;
        await new Promise((resolve) => {
          held?.opened.then(resolve);
          res.once('close', () => { dropped = true; resolve(); });
          if (req.socket.destroyed) { dropped = true; resolve(); }
        });
        if (held) held.ended += 1;
        if (dropped) return;
      }
      json(res, 200, { id, name: 'Dana Example', order: 'A-1001' });
    } else if (path === '/payments/refunds') {
      json(res, 200, { refund: 'rf_1', status: 'accepted' });
    } else if (path === '/exec') {
      json(res, 500, { error: 'the gateway should never let this through' });
    } else if (path === '/context') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('Contact 42 is Dana; the last order was A-1001.');
    } else if (path === '/v1/chat/completions') {
      const request = JSON.parse(record.body || '{}');
      record.json = request;
      const message = fakeModel(request);
      const base = { id: 'chatcmpl-fake', created: Math.floor(Date.now() / 1000), model: request.model };
      if (!request.stream) {
        json(res, 200, {
          ...base, object: 'chat.completion',
          choices: [{ index: 0, message, finish_reason: message.tool_calls ? 'tool_calls' : 'stop', logprobs: null }],
          usage: { prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 },
        });
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      const send = (delta, finish = null) => res.write(`data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`);
      if (message.tool_calls) {
        send({ role: 'assistant', tool_calls: message.tool_calls.map((c, index) => ({ index, ...c })) });
        send({}, 'tool_calls');
      } else {
        send({ role: 'assistant', content: '' });
        for (const piece of message.content === STREAM_PIECES.join('') ? STREAM_PIECES : [message.content]) send({ content: piece });
        send({}, 'stop');
      }
      res.end('data: [DONE]\n\n');
    } else if (path === '/.well-known/agent-card.json') {
      json(res, 200, a2aCard(`http://${req.headers.host}`));
    } else if (path === '/a2a') {
      const answer = a2aReply(JSON.parse(record.body));
      if (answer.sse) res.writeHead(200, { 'content-type': 'text/event-stream' }).end(answer.sse);
      else json(res, 200, answer.json);
    } else if (path === '/mcp') {
      await mcp(req, res, record);
    } else {
      json(res, 404, { error: 'not found' });
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    paths: () => requests.map((r) => r.path),
    /** Holds the calls for the slow contact (/crm/contacts/slow) until the returned gate's `open()`, or the gateway drops them. */
    holdSlowCalls: () => { slowCalls = heldCalls(); return slowCalls; },
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(() => resolve()); }),
  };
}

async function mcp(req, res, record) {
  if (req.method !== 'POST') {
    json(res, 405, { jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed.' }, id: null });
    return;
  }
  const parsed = JSON.parse(record.body);
  const server = new McpServer({ name: 'docs', version: '1.0.0' });
  server.registerTool('search', { description: 'Searches the documents.', inputSchema: { query: z.string() } },
    async ({ query }) => ({ content: [{ type: 'text', text: `3 documents match "${query}"` }] }));
  server.registerTool('delete_document', { description: 'Deletes a document.', inputSchema: { id: z.string() } },
    async ({ id }) => ({ content: [{ type: 'text', text: `deleted ${id}` }] }));
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
  res.on('close', () => { transport.close(); server.close(); });
  await server.connect(transport);
  await transport.handleRequest(req, res, parsed);
}
