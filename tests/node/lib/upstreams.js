// Local upstreams on 127.0.0.1: an OpenAI-compatible chat completions server and an MCP server built
// with the official MCP TypeScript SDK.
import { createServer } from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

function listen(server) {
  return new Promise((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolveListen(server.address().port));
  });
}

function close(server) {
  return new Promise((resolveClose) => {
    server.closeAllConnections?.();
    server.close(() => resolveClose());
  });
}

async function readBody(request) {
  const chunks = [];
  for await (const chunk of request) chunks.push(chunk);
  return Buffer.concat(chunks);
}

export const STREAM_PIECES = ['The ', 'gateway ', 'streamed ', 'this ', 'in ', 'order.'];

/**
 * POST /v1/chat/completions. Streams STREAM_PIECES as SSE chunks when `stream` is true (the rest of the
 * stream waits after the first chunk until `releaseStream()` or 10 s, so a test can see that the first
 * chunk crossed the gateway while the upstream was still writing); answers JSON otherwise.
 */
export async function startOpenAIUpstream() {
  const requests = [];
  let release;
  let released = new Promise((r) => { release = r; });
  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    const record = { method: req.method, url: req.url, headers: { ...req.headers }, body: body.toString('utf8') };
    requests.push(record);
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'not found' } }));
      return;
    }
    let json;
    try {
      json = JSON.parse(record.body);
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'bad json' } }));
      return;
    }
    record.json = json;
    const id = 'chatcmpl-local-1';
    const created = Math.floor(Date.now() / 1000);
    const model = json.model;
    const usage = { prompt_tokens: 11, completion_tokens: STREAM_PIECES.length, total_tokens: 11 + STREAM_PIECES.length };
    if (!json.stream) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
        id, object: 'chat.completion', created, model,
        choices: [{ index: 0, message: { role: 'assistant', content: STREAM_PIECES.join('') }, finish_reason: 'stop', logprobs: null }],
        usage,
      }));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const send = (payload) => res.write(`data: ${JSON.stringify(payload)}\n\n`);
    const chunk = (delta, finish = null) => ({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] });
    send(chunk({ role: 'assistant', content: '' }));
    send(chunk({ content: STREAM_PIECES[0] }));
    record.firstChunkSentAt = Date.now();
    await Promise.race([released, new Promise((r) => setTimeout(r, 10_000))]);
    record.releasedAt = Date.now();
    for (const piece of STREAM_PIECES.slice(1)) {
      send(chunk({ content: piece }));
      await new Promise((r) => setTimeout(r, 5));
    }
    send(chunk({}, 'stop'));
    if (json.stream_options?.include_usage) {
      send({ id, object: 'chat.completion.chunk', created, model, choices: [], usage });
    }
    res.end('data: [DONE]\n\n');
    released = new Promise((r) => { release = r; });
  });
  const port = await listen(server);
  return {
    port,
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    releaseStream: () => release(),
    close: () => close(server),
  };
}

/**
 * An MCP server made with the SDK (McpServer + StreamableHTTPServerTransport, stateless: one server
 * and transport per POST) on /mcp, serving `search` and `delete_document`. Every JSON-RPC message that
 * reaches it and every tool it runs are recorded.
 */
export async function startMcpUpstream() {
  const messages = [];
  const toolCalls = [];
  const httpRequests = [];

  function buildServer() {
    const mcp = new McpServer({ name: 'docs-test-server', version: '1.0.0' });
    mcp.registerTool('search', {
      description: 'Searches the documents.',
      inputSchema: { query: z.string() },
    }, async ({ query }) => {
      toolCalls.push({ name: 'search', args: { query } });
      return { content: [{ type: 'text', text: `3 documents match "${query}"` }] };
    });
    mcp.registerTool('delete_document', {
      description: 'Deletes a document.',
      inputSchema: { id: z.string() },
    }, async ({ id }) => {
      toolCalls.push({ name: 'delete_document', args: { id } });
      return { content: [{ type: 'text', text: `deleted ${id}` }] };
    });
    return mcp;
  }

  const server = createServer(async (req, res) => {
    const record = { method: req.method, url: req.url, headers: { ...req.headers } };
    httpRequests.push(record);
    if (!req.url.startsWith('/mcp')) {
      res.writeHead(404).end();
      return;
    }
    if (req.method !== 'POST') {
      // Stateless: no standalone event stream and no session to end.
      res.writeHead(405, { allow: 'POST', 'content-type': 'application/json' })
        .end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed.' }, id: null }));
      return;
    }
    const raw = await readBody(req);
    record.body = raw.toString('utf8');
    let parsed;
    try {
      parsed = JSON.parse(record.body);
    } catch {
      res.writeHead(400).end();
      return;
    }
    messages.push(...(Array.isArray(parsed) ? parsed : [parsed]));
    const mcp = buildServer();
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => {
      transport.close();
      mcp.close();
    });
    await mcp.connect(transport);
    await transport.handleRequest(req, res, parsed);
  });
  const port = await listen(server);
  return {
    port,
    url: `http://127.0.0.1:${port}/mcp`,
    messages,
    toolCalls,
    httpRequests,
    close: () => close(server),
  };
}
