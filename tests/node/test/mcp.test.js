// The official MCP TypeScript SDK (client and server) through the real gateway's /providers/docs.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import { startGateway } from '../lib/gateway.js';
import { createSigningFetch, DEMO_AGENT } from '../lib/signing.js';
import { startMcpUpstream } from '../lib/upstreams.js';
import { assertCleanUpstreamHeaders } from '../lib/assertions.js';

describe('MCP SDK client through /providers/docs', () => {
  let upstream;
  let gateway;
  let client;

  before(async () => {
    upstream = await startMcpUpstream();
    gateway = await startGateway({ upstreams: { 'http://127.0.0.1:9200/mcp': upstream.url } });
    client = new Client({ name: 'gateway-node-tests', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(`${gateway.baseUrl}/providers/docs`), {
      fetch: createSigningFetch(DEMO_AGENT),
    });
    await client.connect(transport);
  });

  after(async () => {
    await client?.close().catch(() => {});
    await gateway?.stop();
    await upstream?.close();
  });

  test('the MCP server itself serves both tools (direct, without the gateway)', async () => {
    const direct = new Client({ name: 'direct', version: '1.0.0' });
    await direct.connect(new StreamableHTTPClientTransport(new URL(upstream.url)));
    try {
      const { tools } = await direct.listTools();
      assert.deepEqual(tools.map((t) => t.name).sort(), ['delete_document', 'search']);
    } finally {
      await direct.close();
    }
  });

  test('initialize went through the gateway, signed, with the secret stripped and a decision token added', () => {
    const initialize = upstream.httpRequests.find((r) => r.body?.includes('"initialize"'));
    assert.ok(initialize, 'the initialize request reached the MCP server');
    assertCleanUpstreamHeaders(initialize.headers, { tool: 'docs' });
  });

  test('tools/list through the gateway shows only the permitted tool', async () => {
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name), ['search']);
  });

  test('tools/call of a permitted tool returns the server\'s answer', async () => {
    const result = await client.callTool({ name: 'search', arguments: { query: 'gateway' } });
    assert.ok(!result.isError, JSON.stringify(result));
    assert.deepEqual(result.content, [{ type: 'text', text: '3 documents match "gateway"' }]);
    assert.deepEqual(upstream.toolCalls.filter((c) => c.name === 'search').at(-1), { name: 'search', args: { query: 'gateway' } });
    const call = upstream.httpRequests.findLast((r) => r.body?.includes('"tools/call"'));
    assertCleanUpstreamHeaders(call.headers, { tool: 'docs.search' });
  });

  test('tools/call of a tool the agent may not use is refused by the gateway and never reaches the server', async () => {
    await assert.rejects(
      client.callTool({ name: 'delete_document', arguments: { id: 'doc-42' } }),
      (error) => {
        // The gateway answers the call with a JSON-RPC error, the decision in error.data: the SDK raises it as an McpError.
        assert.equal(error.code, -31000, `expected the JSON-RPC refusal code -31000, got ${error}`);
        // Not a code the SDK itself uses: a policy refusal must never read as its RequestTimeout (-32001) or any other.
        assert.ok(!Object.values(ErrorCode).includes(error.code), `the refusal code ${error.code} is one the SDK reserves`);
        assert.match(String(error.message), /block/);
        assert.equal(error.data?.code, 'blocked');
        assert.equal(error.data?.status, 403);
        assert.equal(error.data?.decision, 'block');
        assert.ok(error.data?.request_id, 'the refusal carries the request id');
        return true;
      },
    );
    assert.equal(upstream.toolCalls.filter((c) => c.name === 'delete_document').length, 0);
    assert.ok(!upstream.messages.some((m) => m.method === 'tools/call' && m.params?.name === 'delete_document'),
      'the delete_document call reached the MCP server');
  });
});
