// What a GamutClient checks in the gateway's answers before handing them to the agent: the decision (the allow family
// only, invoked where the action must run, upstream success) and that every token names this agent.
import { GamutConfigurationError, GamutDeniedError, GamutIdentityMismatchError, GamutNotInvokedError, GamutProtocolError, GamutUpstreamError } from './errors.js';

const ALLOW_FAMILY = new Set(['allow', 'allow_and_log', 'degrade']);

/** The wire body of a tool call: `{tool, args}` and the options the gateway reads. */
export function toolBody(tool, args, { targets, dataClasses, provenance, warrant, simulate } = {}) {
  if (typeof tool !== 'string' || tool.length === 0) throw new GamutConfigurationError('A tool name is required.');
  const body = { tool, args: args ?? {} };
  if (targets !== undefined) body.targets = targets;
  if (dataClasses !== undefined) body.data_classes = dataClasses;
  if (provenance !== undefined) body.provenance = provenance;
  if (warrant !== undefined) body.warrant = warrant;
  if (simulate !== undefined) body.simulate = simulate;
  return body;
}

/** The decision the agent gets from `answer`, or the typed error of any outcome outside the allow family. */
export function checkDecision(config, answer, { tool, requireInvoked, simulate = false, evaluatedWithWarrant = false }) {
  if (answer === null || typeof answer !== 'object' || typeof answer.decision !== 'string' || typeof answer.invoked !== 'boolean') {
    throw new GamutProtocolError('The gateway answered without a decision.');
  }
  const details = { code: answer.decision, decision: answer.decision, explanation: answer.explanation };
  if (!ALLOW_FAMILY.has(answer.decision)) {
    throw new GamutDeniedError(`The gateway decided ${answer.decision}.`, { ...details, status: 200 });
  }
  if (requireInvoked && !answer.invoked) {
    throw new GamutNotInvokedError(`The gateway decided ${answer.decision} but did not invoke the connector${answer.simulated ? ' (simulation)' : ''}.`, { ...details, code: 'not_invoked' });
  }
  // A simulation may execute nothing, so it carries no token, nor does an evaluation allowed by a warrant (only the
  // warrant, spent by the action, carries it out: docs/agent-protocol.md); any token present is still checked.
  if (answer.decision_token !== undefined || (answer.decision !== 'degrade' && !simulate && !evaluatedWithWarrant)) {
    if (typeof answer.decision_token !== 'string') throw new GamutIdentityMismatchError('The decision carries no decision token to check the identity against.', details);
    checkIdentity(config, answer.decision_token, 'v1.', tool, 'the decision token');
  }
  if (answer.upstream_status !== undefined && (answer.upstream_status < 200 || answer.upstream_status > 299)) {
    throw new GamutUpstreamError(`The connector's upstream answered ${answer.upstream_status}.`, { ...details, code: 'upstream_error' }, answer.upstream_status, answer.result);
  }
  const decision = {
    invoked: answer.invoked,
    decision: answer.decision,
    explanation: answer.explanation,
    result: answer.result,
    upstreamStatus: answer.upstream_status,
    simulated: answer.simulated ?? false,
    // The decision's signed receipt (docs/evidence.md), verifiable offline with verifyReceipt; absent from older gateways.
    receipt: answer.receipt,
  };
  // A bearer token (an executor acts on it): readable as decision.decisionToken, but not enumerable, so JSON.stringify,
  // util.inspect, console.log and a spread leave it out of logs (as the Python and .NET SDKs hide it).
  Object.defineProperty(decision, 'decisionToken', { value: answer.decision_token, enumerable: false, writable: false, configurable: false });
  return decision;
}

/** The token's payload must name this tenant and agent (and the tool, when known). */
export function checkIdentity(config, token, prefix, tool, what) {
  const parts = token.split('.');
  let payload;
  try {
    if (!token.startsWith(prefix) || parts.length !== 3) throw new Error('shape');
    payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    throw new GamutIdentityMismatchError(`${what} is not a readable token.`);
  }
  const mismatches = [];
  if (payload.tid !== config.tenant) mismatches.push(`tenant '${payload.tid}'`);
  if (payload.aid !== config.agentId) mismatches.push(`agent '${payload.aid}'`);
  if (tool !== undefined && payload.tool !== undefined && payload.tool !== tool) mismatches.push(`tool '${payload.tool}'`);
  if (mismatches.length > 0) {
    throw new GamutIdentityMismatchError(`${what} names ${mismatches.join(', ')}, not this agent's request.`, { code: 'identity_mismatch' });
  }
}
