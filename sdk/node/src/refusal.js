// What a framework bridge hands the model when the gateway refused a tool call: the decision and its
// remedies, so the agent sees why. Failures of the path itself (authentication, timeout, identity,
// unreachable gateway) are not turned into text: they stop the run.
import {
  GamutApprovalDeniedError, GamutApprovalExpiredError, GamutApprovalRequiredError, GamutApprovalTimeoutError,
  GamutDeniedError, GamutNotInvokedError, GamutSecretMaterialError,
} from './errors.js';

const REFUSALS = [
  GamutDeniedError, GamutApprovalRequiredError, GamutApprovalDeniedError, GamutApprovalExpiredError,
  GamutApprovalTimeoutError, GamutNotInvokedError, GamutSecretMaterialError,
];

/** True when the error is a governance refusal (the model may read why and change course). */
export function isRefusal(error) {
  return REFUSALS.some((type) => error instanceof type);
}

/** One plain-text explanation of a refusal, for a tool result the model reads. */
export function explainRefusal(error) {
  const lines = [`REFUSED by the gateway (${error.decision ?? error.code}): ${error.message}`];
  const failing = (error.explanation?.decision_path ?? []).filter((c) => c.outcome === 'fail');
  for (const control of failing) lines.push(`- ${control.control}: ${control.missing_evidence ?? 'failed'}`);
  for (const remedy of error.remedies ?? []) lines.push(`- to change this: ${remedy}`);
  if (error.approval?.id) lines.push(`- approval request: ${error.approval.id}`);
  return lines.join('\n');
}

/** Runs a governed tool call; a refusal becomes its explanation, anything else is thrown. */
export async function invokeForModel(client, tool, args, options) {
  try {
    const action = await client.invokeTool(tool, args, options);
    return typeof action.result === 'string' ? action.result : JSON.stringify(action.result ?? null);
  } catch (error) {
    if (isRefusal(error)) return explainRefusal(error);
    throw error;
  }
}

/** A function-tool name for a catalog name (providers accept [A-Za-z0-9_-] only). */
export function functionName(tool) {
  return tool.replace(/[^A-Za-z0-9_-]/g, '_');
}

/** Refuses bridge options that would carry a provider key, a tool credential or another base URL. */
export function checkBridgeOptions(options, allowed, what) {
  for (const name of Object.keys(options)) {
    if (!allowed.includes(name)) {
      throw new TypeError(`${what}: option '${name}' is not accepted (no provider key, tool credential or base URL: the gateway holds them).`);
    }
  }
}
