// The framework bridges in a real agent loop: LangGraph (StateGraph + ToolNode over GamutChatModel and
// gamutTool) and the OpenAI Agents SDK (Agent + run over gamutAgentModel and gamutAgentTool). The LLM is
// the FAKE model server in support/upstream.js (no cloud here) behind the real gateway; the tools'
// upstream is a real Node server. An allowed tool call reaches it; a denied one never does, and the
// agent sees why.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Agent, run } from '@openai/agents';
import { HumanMessage } from '@langchain/core/messages';
import { END, MessagesAnnotation, START, StateGraph } from '@langchain/langgraph';
import { ToolNode, toolsCondition } from '@langchain/langgraph/prebuilt';
import { GamutClient } from '../src/index.js';
import { GamutChatModel, gamutRunnable, gamutTool } from '../src/langchain.js';
import { gamutAgentModel, gamutAgentTool, gamutRun } from '../src/openai-agents.js';
import { story, useGateway } from './support/gateway.js';

const CONTACT_SCHEMA = { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] };
const SHELL_SCHEMA = { type: 'object', properties: { cmd: { type: 'string' } }, required: ['cmd'] };

describe('framework bridges through the real gateway', () => {
  const suite = useGateway(GamutClient);
  const { count } = suite;

  function langGraphAgent() {
    const tools = [
      gamutTool(suite.gamut, { tool: 'crm.read_contact', description: 'Reads a CRM contact.', schema: CONTACT_SCHEMA }),
      gamutTool(suite.gamut, { tool: 'shell.exec', description: 'Runs a shell command.', schema: SHELL_SCHEMA }),
    ];
    const model = new GamutChatModel({ client: suite.gamut, model: 'gpt-4o-mini' }).bindTools(tools);
    return new StateGraph(MessagesAnnotation)
      .addNode('agent', async (state) => ({ messages: [await model.invoke(state.messages)] }))
      .addNode('tools', new ToolNode(tools))
      .addEdge(START, 'agent')
      .addConditionalEdges('agent', toolsCondition, ['tools', END])
      .addEdge('tools', 'agent')
      .compile();
  }

  test('LangGraph: an allowed tool call reaches the upstream and the agent reads its result', async () => {
    const before = count('/crm/contacts/42');
    const models = count('/v1/chat/completions');
    const state = await langGraphAgent().invoke({ messages: [new HumanMessage('call crm_read_contact {"id":"42"}')] });
    assert.match(state.messages.at(-1).content, /The tool answered: .*Dana Example/);
    assert.equal(count('/crm/contacts/42'), before + 1);
    assert.equal(count('/v1/chat/completions'), models + 2, 'both model turns went through the governed model action');
  });

  test('LangGraph: a denied tool call never reaches the upstream and the agent sees why', async () => {
    const state = await langGraphAgent().invoke({ messages: [new HumanMessage('call shell_exec {"cmd":"rm -rf /"}')] });
    const toolMessage = state.messages.find((m) => m.getType() === 'tool');
    assert.match(toolMessage.content, /REFUSED by the gateway \(block\)/);
    assert.match(toolMessage.content, /tool_permission: tool 'shell.exec' is not permitted/);
    assert.match(state.messages.at(-1).content, /The tool answered: REFUSED/);
    assert.equal(count('/exec'), 0);
  });

  function agentsAgent() {
    return new Agent({
      name: 'crm-assistant',
      instructions: 'Use the tools.',
      model: gamutAgentModel(suite.gamut, 'gpt-4o-mini'),
      tools: [
        gamutAgentTool(suite.gamut, { tool: 'crm.read_contact', description: 'Reads a CRM contact.', parameters: { ...CONTACT_SCHEMA, additionalProperties: false } }),
        gamutAgentTool(suite.gamut, { tool: 'shell.exec', description: 'Runs a shell command.', parameters: { ...SHELL_SCHEMA, additionalProperties: false } }),
      ],
    });
  }

  test('OpenAI Agents: an allowed tool call reaches the upstream; model calls go through /providers/openai', async () => {
    const before = count('/crm/contacts/42');
    const models = count('/v1/chat/completions');
    const result = await run(agentsAgent(), 'call crm_read_contact {"id":"42"}');
    assert.match(result.finalOutput, /The tool answered: .*Dana Example/);
    assert.equal(count('/crm/contacts/42'), before + 1);
    assert.equal(count('/v1/chat/completions'), models + 2);
    const modelCall = suite.env.upstream.requests.findLast((r) => r.path === '/v1/chat/completions');
    assert.equal(modelCall.headers.authorization, 'Bearer openai-test-key', 'the gateway injected the provider key');
  });

  test('OpenAI Agents: a denied tool call never reaches the upstream and the agent sees why', async () => {
    const result = await run(agentsAgent(), 'call shell_exec {"cmd":"rm -rf /"}');
    assert.match(result.finalOutput, /The tool answered: REFUSED by the gateway \(block\)/);
    assert.equal(count('/exec'), 0);
  });

  // The run ids of the records that reached the gateway since `mark` (the run_started records name them).
  async function runsSince(mark) {
    const records = (await suite.env.admin('GET', `/tenants/demo/audit/query?agent=demo-agent&decision=run_started&from=${encodeURIComponent(mark)}&limit=1000`)).records;
    return records.map((r) => r.run_id);
  }

  test('LangGraph: gamutRunnable makes each invocation one run, its model turns and tool calls in it, then completed', async () => {
    const agent = gamutRunnable(suite.gamut, langGraphAgent(), { purpose: 'crm assistant' });
    const mark = new Date().toISOString();
    const state = await agent.invoke({ messages: [new HumanMessage('call crm_read_contact {"id":"42"}')] });
    assert.match(state.messages.at(-1).content, /The tool answered: .*Dana Example/);
    await agent.invoke({ messages: [new HumanMessage('call shell_exec {"cmd":"ls"}')] });
    const runs = await runsSince(mark);
    assert.equal(runs.length, 2, runs.join(','));
    const [first, second] = await Promise.all(runs.map((r) => suite.env.runRecords(r)));
    assert.deepEqual(story(first), ['event:created', 'openai:allow', 'openai:allow:invoked', 'crm.read_contact:allow', 'crm.read_contact:allow:invoked',
      'openai:allow', 'openai:allow:invoked', 'event:completed']);
    assert.equal(first[0].run_event.detail.framework, 'langgraph');
    assert.ok(story(second).includes('shell.exec:block'), story(second).join(','));
    assert.equal(story(second).at(-1), 'event:completed', 'a refusal the model read is not a failure of the invocation');
  });

  test('OpenAI Agents: gamutRun makes run() one run, its tool calls and provider-route model calls in it', async () => {
    const mark = new Date().toISOString();
    const result = await gamutRun(suite.gamut, agentsAgent(), 'call crm_read_contact {"id":"42"}');
    assert.match(result.finalOutput, /The tool answered: .*Dana Example/);
    const [run] = await runsSince(mark);
    const records = await suite.env.runRecords(run);
    assert.equal(records[0].run_event.detail.purpose, 'crm-assistant');
    assert.equal(records[0].run_event.detail.framework, 'openai-agents');
    // The model turns went through /providers/openai with the signing fetch: recorded in the run as the openai connector's.
    assert.deepEqual(story(records), ['event:created', 'openai:allow', 'openai:allow:invoked', 'crm.read_contact:allow', 'crm.read_contact:allow:invoked',
      'openai:allow', 'openai:allow:invoked', 'event:completed']);
    assert.throws(() => gamutRun(suite.gamut, agentsAgent(), 'x', { stream: true }), TypeError);
  });

  test('bridges refuse a provider key, a tool credential or another base URL', () => {
    assert.throws(() => new GamutChatModel({ client: suite.gamut, model: 'm', apiKey: 'x' }), TypeError);
    assert.throws(() => new GamutChatModel({ client: suite.gamut, model: 'm', baseURL: 'http://elsewhere' }), TypeError);
    assert.throws(() => gamutTool(suite.gamut, { tool: 'crm.read_contact', credential: 'x' }), TypeError);
    assert.throws(() => gamutAgentTool(suite.gamut, { tool: 'crm.read_contact', headers: {} }), TypeError);
    assert.throws(() => gamutAgentModel(suite.gamut, 'm', { baseURL: 'https://api.openai.com/v1' }), TypeError);
    assert.throws(() => gamutRunnable(suite.gamut, langGraphAgent(), { apiKey: 'x' }), TypeError);
    assert.throws(() => gamutRun(suite.gamut, agentsAgent(), 'x', { gamut: { baseURL: 'http://elsewhere' } }), TypeError);
  });
});
