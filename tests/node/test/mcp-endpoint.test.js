// /mcp, the gateway's own MCP server, driven by the official MCP TypeScript SDK client (through the real gateway
// binary, the demo bundle, and a real SDK-made MCP server as the docs upstream), and an agent built with
// @openai/agents (its MCP support, the official @modelcontextprotocol/client underneath) running a loop against
// `make run`'s /mcp. The model of that agent is a scripted stand-in (no cloud model runs here), named as such.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { Agent, MCPServerStreamableHttp, run, setTracingDisabled, Usage } from '@openai/agents';
import { GamutClient } from '../../../sdk/node/src/index.js';
import { startGateway } from '../lib/gateway.js';
import { startMakeRun } from '../lib/make-run.js';
import { createSigningFetch, DEMO_AGENT } from '../lib/signing.js';
import { startMcpUpstream } from '../lib/upstreams.js';

const DEMO_SECRET = 'demo-secret-do-not-use-in-production-0123456789';

describe('MCP TypeScript SDK client on /mcp', () => {
  let upstream;
  let gateway;
  let client;

  before(async () => {
    upstream = await startMcpUpstream();
    gateway = await startGateway({ upstreams: { 'http://127.0.0.1:9200/mcp': upstream.url } });
    client = new Client({ name: 'gateway-node-tests', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${gateway.baseUrl}/mcp`), { fetch: createSigningFetch(DEMO_AGENT) }));
  });

  after(async () => {
    await client?.close().catch(() => {});
    await gateway?.stop();
    await upstream?.close();
  });

  test('tools/list is the union of what the agent may use: the MCP server\'s permitted tool and the HTTP tools', async () => {
    const names = (await client.listTools()).tools.map((t) => t.name);
    assert.ok(names.includes('docs__search'), names.join(','));
    assert.ok(names.includes('crm_read_contact'), names.join(','));
    assert.ok(names.includes('payments_refund'), names.join(','));
    assert.ok(!names.includes('docs__delete_document'), 'a tool the agent may not use is not listed');
    assert.ok(!names.includes('shell_exec'), 'an HTTP tool the agent may not use is not listed');
  });

  test('an MCP server\'s tool is described as the server serves it', async () => {
    const search = (await client.listTools()).tools.find((t) => t.name === 'docs__search');
    assert.equal(search.description, 'Searches the documents.');
    assert.equal(search.inputSchema.properties.query.type, 'string');
  });

  test('an allowed call reaches the server under its own name and returns its answer with the decision', async () => {
    const result = await client.callTool({ name: 'docs__search', arguments: { query: 'gateway' } });
    assert.ok(!result.isError, JSON.stringify(result));
    assert.deepEqual(result.content, [{ type: 'text', text: '3 documents match "gateway"' }]);
    assert.equal(result._meta['gamut.dev/decision'], 'allow');
    assert.deepEqual(upstream.toolCalls.at(-1), { name: 'search', args: { query: 'gateway' } });
  });

  test('a call the agent may not make is a JSON-RPC error with code -31000 and never reaches the server', async () => {
    const before = upstream.toolCalls.length;
    const refused = await client.callTool({ name: 'docs__delete_document', arguments: { id: 'd-1' } }).then(
      () => assert.fail('the call was not refused'),
      (error) => error,
    );
    assert.ok(refused instanceof McpError, String(refused));
    assert.equal(refused.code, -31000);
    assert.ok(!Object.values(ErrorCode).includes(refused.code), 'the refusal code is none the SDK reserves');
    assert.equal(refused.data.invoked, false);
    assert.equal(upstream.toolCalls.length, before);
  });

  test('a call that needs approval names the approval to wait for', async () => {
    const refused = await client.callTool({ name: 'payments_refund', arguments: { order: 'o-1', amount: 5 } }).then(
      () => assert.fail('the call was not held for approval'),
      (error) => error,
    );
    assert.equal(refused.code, -31000);
    assert.equal(refused.data.code, 'approval_required');
    assert.equal(refused.data.decision, 'require_approval');
    assert.match(refused.data.approval.id, /\S+/);
  });
});

// A scripted stand-in for a cloud model (none runs here): the first turn calls the docs search tool it was given,
// the second answers with what the tool returned.
class ScriptedModel {
  constructor() {
    this.requests = [];
  }

  async getResponse(request) {
    this.requests.push(request);
    const toolOutput = JSON.stringify(request.input).match(/Getting started with the gateway[^"\\]*/);
    if (!toolOutput) {
      const search = request.tools.find((t) => t.name === 'docs__search');
      assert.ok(search, `the agent was given docs__search: ${request.tools.map((t) => t.name).join(',')}`);
      return {
        usage: new Usage(),
        output: [{ type: 'function_call', callId: 'call_1', name: 'docs__search', arguments: JSON.stringify({ query: 'getting started' }), status: 'completed' }],
      };
    }
    return {
      usage: new Usage(),
      output: [{ type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: `The docs say: ${toolOutput[0]}` }] }],
    };
  }

  // eslint-disable-next-line require-yield
  async *getStreamedResponse() {
    throw new Error('the scripted model does not stream');
  }
}

describe('@openai/agents loop against make run\'s /mcp', () => {
  let demo;
  let server;

  before(async () => {
    setTracingDisabled(true);
    demo = await startMakeRun();
    const gamut = new GamutClient({ baseUrl: demo.baseUrl, tenant: 'demo', workspace: 'ws-demo', agentId: 'demo-agent', secret: DEMO_SECRET });
    server = new MCPServerStreamableHttp({ url: `${demo.baseUrl}/mcp`, fetch: gamut.fetch, name: 'gamut' });
    await server.connect();
  });

  after(async () => {
    await server?.close().catch(() => {});
    await demo?.stop();
  });

  test('the agent calls a governed tool through /mcp and answers with its result, and the call is on record', async () => {
    const model = new ScriptedModel();
    const agent = new Agent({ name: 'docs-agent', instructions: 'Answer from the docs.', model, mcpServers: [server] });

    const result = await run(agent, 'How do I get started?');

    assert.match(result.finalOutput, /The docs say: Getting started with the gateway/);
    assert.equal(model.requests.length, 2);
    assert.ok(!model.requests[0].tools.some((t) => t.name === 'docs__delete_document'), 'a tool the agent may not use is never offered to the model');
    const audit = await fetch(`${demo.baseUrl}/admin/v1/tenants/demo/audit?limit=50`, { headers: { authorization: `Bearer ${demo.adminToken}` } });
    assert.equal(audit.status, 200);
    const records = JSON.stringify(await audit.json());
    assert.match(records, /"tool":"docs\.search"/);
  });
});
