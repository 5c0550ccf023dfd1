// LangChain / LangGraph JS bridge: governed tools (invokeTool), a chat model acting through the gateway's governed
// model action, and gamutRunnable, which makes each invocation of an agent (a compiled graph, any runnable) one run at
// the gateway. None accepts a provider key, a tool credential or a base URL.
import { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { AIMessage } from '@langchain/core/messages';
import { RunnableLambda } from '@langchain/core/runnables';
import { tool as langchainTool } from '@langchain/core/tools';
import { convertToOpenAITool } from '@langchain/core/utils/function_calling';
import { checkBridgeOptions, functionName, invokeForModel } from './refusal.js';

const OPEN_OBJECT = { type: 'object', properties: {}, additionalProperties: true };

/**
 * A LangChain tool backed by `invokeTool`. A refusal (block, approval required or denied…) is returned
 * to the model as its explanation; an authentication, timeout or identity failure throws.
 */
export function gamutTool(client, { tool, name, description, schema = OPEN_OBJECT, waitForApproval, ...rest }) {
  checkBridgeOptions(rest, [], 'gamutTool');
  return langchainTool(async (args) => invokeForModel(client, tool, args, { waitForApproval }), {
    name: name ?? functionName(tool),
    description: description ?? `Governed tool ${tool} (through the gateway).`,
    schema,
  });
}

/**
 * `runnable` (a compiled LangGraph graph, a chain…) as a runnable whose every `invoke` is one run at the gateway:
 * started before it (`framework` 'langgraph' unless given, `purpose` the runnable's name unless given), carried by every
 * call of `client` inside it (the tools of `gamutTool`, `GamutChatModel`'s model calls), and ended with the invocation's
 * outcome, completed or failed. An operator's cancel stops the invocation with GamutRunCancelledError.
 */
export function gamutRunnable(client, runnable, { framework = 'langgraph', purpose, ...rest } = {}) {
  checkBridgeOptions(rest, [], 'gamutRunnable');
  if (typeof runnable?.invoke !== 'function') throw new TypeError('gamutRunnable: a runnable (with invoke) is required.');
  const name = purpose ?? runnable.getName?.() ?? 'agent';
  return RunnableLambda.from(async (input, config) => client.withRun({ framework, purpose: name }, () => runnable.invoke(input, config)))
    .withConfig({ runName: `gamut:${name}` });
}

/** A LangChain chat model whose every call is the gateway's governed model action on `connector`. */
export class GamutChatModel extends BaseChatModel {
  constructor({ client, model, connector = 'openai', temperature, ...rest }) {
    checkBridgeOptions(rest, ['callbacks', 'tags', 'metadata', 'verbose'], 'GamutChatModel');
    super(rest);
    if (!client) throw new TypeError('GamutChatModel: a GamutClient is required.');
    this.client = client;
    this.model = model;
    this.connector = connector;
    this.temperature = temperature;
  }

  static lc_name() { return 'GamutChatModel'; }

  _llmType() { return 'gamut'; }

  bindTools(tools, kwargs = {}) {
    return this.withConfig({ ...kwargs, tools: tools.map((t) => convertToOpenAITool(t)) });
  }

  async _generate(messages, options) {
    const request = { model: this.model, messages: messages.map(toOpenAIMessage) };
    if (this.temperature !== undefined) request.temperature = this.temperature;
    if (options?.tools?.length) request.tools = options.tools;
    const action = await this.client.model(this.connector, request, { signal: options?.signal });
    const choice = action.result?.choices?.[0]?.message ?? {};
    const toolCalls = (choice.tool_calls ?? []).map((call) => ({
      id: call.id,
      name: call.function.name,
      args: JSON.parse(call.function.arguments || '{}'),
      type: 'tool_call',
    }));
    const text = typeof choice.content === 'string' ? choice.content : '';
    return {
      generations: [{ text, message: new AIMessage({ content: text, tool_calls: toolCalls }) }],
      llmOutput: { tokenUsage: action.result?.usage, decision: action.decision },
    };
  }
}

function toOpenAIMessage(message) {
  const type = message.getType();
  const content = typeof message.content === 'string' ? message.content : JSON.stringify(message.content);
  switch (type) {
    case 'system': return { role: 'system', content };
    case 'human': return { role: 'user', content };
    case 'tool': return { role: 'tool', tool_call_id: message.tool_call_id, content };
    case 'ai': {
      const out = { role: 'assistant', content: content || null };
      if (message.tool_calls?.length) {
        out.tool_calls = message.tool_calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: JSON.stringify(c.args ?? {}) } }));
      }
      return out;
    }
    default: return { role: 'user', content };
  }
}
