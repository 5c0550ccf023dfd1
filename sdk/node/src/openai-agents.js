// OpenAI Agents SDK (JS) bridge: function tools backed by invokeTool, a model whose calls go through the gateway's
// provider route (/providers/<connector>) with every request signed, and gamutRun, `run()` as one run at the gateway.
// Tracing export is disabled: run data does not leave through any other path than the gateway.
import { OpenAIChatCompletionsModel, run as agentsRun, setTracingDisabled, tool as agentsTool } from '@openai/agents';
import OpenAI from 'openai';
import { checkBridgeOptions, functionName, invokeForModel } from './refusal.js';

const OPEN_OBJECT = { type: 'object', properties: {}, required: [], additionalProperties: true };

/** A function tool backed by `invokeTool`; a refusal is returned to the model as its explanation. */
export function gamutAgentTool(client, { tool, name, description, parameters = OPEN_OBJECT, waitForApproval, ...rest }) {
  checkBridgeOptions(rest, [], 'gamutAgentTool');
  return agentsTool({
    name: name ?? functionName(tool),
    description: description ?? `Governed tool ${tool} (through the gateway).`,
    parameters,
    strict: false,
    execute: async (input) => invokeForModel(client, tool, typeof input === 'string' ? JSON.parse(input) : input, { waitForApproval }),
  });
}

/** A chat-completions model on the gateway's provider route for `connector` (the gateway holds the key). */
export function gamutAgentModel(client, model, { connector = 'openai', ...rest } = {}) {
  checkBridgeOptions(rest, [], 'gamutAgentModel');
  setTracingDisabled(true);
  return new OpenAIChatCompletionsModel(new OpenAI(client.openAIOptions(connector)), model);
}

/**
 * `run(agent, input, options)` of the Agents SDK as one run at the gateway: started before it (`framework`
 * 'openai-agents', `purpose` the agent's name unless `gamut.purpose` says), carried by every call of `client` during it
 * (the tools of `gamutAgentTool`, the model of `gamutAgentModel`), and ended with its outcome, completed or failed.
 * Streaming (`stream: true`) is not offered here: wrap `run` in `client.withRun` and await `result.completed` inside.
 */
export function gamutRun(client, agent, input, { gamut = {}, ...options } = {}) {
  const { purpose, ...rest } = gamut;
  checkBridgeOptions(rest, [], 'gamutRun');
  if (options.stream) throw new TypeError('gamutRun: stream is not offered; use client.withRun(() => run(...)) and await result.completed inside it.');
  return client.withRun({ framework: 'openai-agents', purpose: purpose ?? agent.name }, () => agentsRun(agent, input, options));
}
