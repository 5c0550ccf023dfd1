import type { FunctionTool, OpenAIChatCompletionsModel } from '@openai/agents';
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
