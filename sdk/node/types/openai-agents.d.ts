import type { Agent, FunctionTool, OpenAIChatCompletionsModel, RunResult } from '@openai/agents';
import type { GamutClient, WaitForApprovalOptions } from './index.js';

/** A function tool backed by invokeTool; a refusal is returned to the model as its explanation. */
export declare function gamutAgentTool(client: GamutClient, options: {
  tool: string;
  name?: string;
  description?: string;
  parameters?: Record<string, unknown>;
  waitForApproval?: boolean | WaitForApprovalOptions;
}): FunctionTool;

/** A chat-completions model on the gateway's provider route (disables tracing export). */
export declare function gamutAgentModel(client: GamutClient, model: string, options?: { connector?: string }): OpenAIChatCompletionsModel;

/** `run(agent, input, options)` as one run at the gateway (framework 'openai-agents'), ended with its outcome; not streaming. */
export declare function gamutRun(client: GamutClient, agent: Agent<any, any>, input: Parameters<typeof import('@openai/agents').run>[1], options?: Record<string, unknown> & { stream?: false; gamut?: { purpose?: string } }): Promise<RunResult<any, any>>;
