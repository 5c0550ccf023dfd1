import type { BaseChatModel, BaseChatModelCallOptions } from '@langchain/core/language_models/chat_models';
import type { Runnable } from '@langchain/core/runnables';
import type { DynamicStructuredTool } from '@langchain/core/tools';
import type { GamutClient, WaitForApprovalOptions } from './index.js';

/** A LangChain tool backed by invokeTool; a refusal is returned to the model as its explanation. */
export declare function gamutTool(client: GamutClient, options: {
  tool: string;
  name?: string;
  description?: string;
  schema?: Record<string, unknown>;
  waitForApproval?: boolean | WaitForApprovalOptions;
}): DynamicStructuredTool;

/** A LangChain chat model over the gateway's governed model action. */
export declare class GamutChatModel extends BaseChatModel<BaseChatModelCallOptions> {
  constructor(fields: { client: GamutClient; model: string; connector?: string; temperature?: number; callbacks?: unknown; tags?: string[]; metadata?: Record<string, unknown>; verbose?: boolean });
  _llmType(): string;
  _generate(...args: Parameters<BaseChatModel['_generate']>): ReturnType<BaseChatModel['_generate']>;
}

/** `runnable` (a compiled graph, a chain) as a runnable whose every invoke is one run at the gateway, ended with its outcome. */
export declare function gamutRunnable<RunInput, RunOutput>(client: GamutClient, runnable: Runnable<RunInput, RunOutput>, options?: { framework?: string; purpose?: string }): Runnable<RunInput, RunOutput>;
