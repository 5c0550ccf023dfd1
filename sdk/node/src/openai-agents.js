// OpenAI Agents SDK (JS) bridge: function tools backed by invokeTool, and a model whose calls go through
// the gateway's provider route (/providers/<connector>) with every request signed. Tracing export is
// disabled: run data does not leave through any other path than the gateway.
import { OpenAIChatCompletionsModel, setTracingDisabled, tool as agentsTool } from '@openai/agents';
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
