// A2A (docs/a2a.md) through the gateway's /a2a/{connector} route: every call signed like any agent request, each
// message decided per skill. A held message throws the SDK's GamutApprovalRequiredError; a JSON-RPC error throws a
// typed error with the gateway's stable code. A2A 1.0 method names by default, 0.3's with `{version: '0.3'}`.
import { randomUUID } from 'node:crypto';
import { checkCardSignature, signedMembers } from './agent-card.js';
import { exchangeAs } from './client.js';
import {
  GamutA2aError, GamutApprovalRequiredError, GamutConfigurationError, GamutDeniedError, GamutProtocolError, GamutRateLimitedError,
} from './errors.js';
import { errorFor, retryAfterSeconds } from './http.js';

export const SKILL_METADATA_KEY = 'gamut.dev/skill';
export const A2A_WARRANT_METADATA_KEY = 'gamut.dev/warrant';
export const APPROVAL_METADATA_KEY = 'gamut.dev/approval';

const METHODS = {
  '1.0': { send: 'SendMessage', stream: 'SendStreamingMessage', get: 'GetTask', cancel: 'CancelTask', list: 'ListTasks' },
  '0.3': { send: 'message/send', stream: 'message/stream', get: 'tasks/get', cancel: 'tasks/cancel', list: 'tasks/list' },
};
const HELD_STATES = new Set(['TASK_STATE_INPUT_REQUIRED', 'input-required']);
const BLOCKING = new Set(['block', 'block_and_open_incident']);
let nextId = 0;

/**
 * The card the gateway serves this agent for `connector` (rewritten to name the gateway, filtered, signed by it); its
 * signature verified with the gateway's receipt keys (GamutCardSignatureError when it does not), and only the members
 * it covers returned, with `url` and `signatures`.
 */
export async function a2aCard(client, connector, options) {
  const { response, text } = await exchangeAs(client, 'GET', `${route(connector)}/.well-known/agent-card.json`, undefined, options, 'application/json, application/problem+json');
  const json = parse(text);
  if (response.status < 200 || response.status > 299) throw errorFor(response, json);
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new GamutProtocolError('The gateway answered the agent card without a JSON object.');
  await checkCardSignature(client, json, options);
  return signedMembers(json);
}

/** One JSON-RPC call: `send` (with the approval wait and one retry), `get`, `cancel` or `list`. */
export async function a2aCall(client, connector, kind, input, options) {
  const version = versionOf(options);
  const params = kind === 'send' ? messageParams(input, version) : kind === 'list' ? { ...(input ?? {}) } : taskParams(input);
  try {
    return await call(client, connector, METHODS[version][kind], params, version, options);
  } catch (error) {
    if (!(error instanceof GamutApprovalRequiredError) || !options.waitForApproval || kind !== 'send') throw error;
    const wait = options.waitForApproval === true ? {} : options.waitForApproval;
    const warrant = await client.waitForApproval(error.approval.id, wait);
    return call(client, connector, METHODS[version][kind], withWarrant(params, warrant), version, options);
  }
}

/** `SendStreamingMessage`: yields each event's `result`, in order; a held message throws before the first. */
export async function* a2aStream(client, connector, input, options) {
  const version = versionOf(options);
  const params = messageParams(input, version);
  const { response, text } = await post(client, connector, METHODS[version].stream, params, options, 'text/event-stream, application/json');
  if (!/text\/event-stream/i.test(response.headers.get('content-type') ?? '')) {
    yield outcome(response, parse(text), version, params);
    return;
  }
  for (const block of text.split(/\r?\n\r?\n/)) {
    const data = block.split(/\r?\n/).filter((line) => line.startsWith('data:')).map((line) => line.slice(5).trimStart()).join('\n');
    if (data.length === 0) continue;
    const reply = parse(data);
    if (reply === undefined) throw new GamutProtocolError('The gateway streamed an event that is not JSON.');
    yield outcome(response, reply, version, params, false);
  }
}

async function call(client, connector, method, params, version, options) {
  const { response, text } = await post(client, connector, method, params, options, 'application/json');
  return outcome(response, parse(text), version, params, method === METHODS[version].send);
}

function post(client, connector, method, params, options, accept) {
  const body = { jsonrpc: '2.0', id: `gamut-${++nextId}`, method, params };
  return exchangeAs(client, 'POST', route(connector), body, options, accept);
}

/** The reply's `result` (a message's as `{task}` or `{message}` in both versions), or the typed error it names. */
function outcome(response, reply, version, params, isMessage = true) {
  if (reply === null || typeof reply !== 'object' || reply.jsonrpc !== '2.0') {
    if (response.status < 200 || response.status > 299) throw errorFor(response, reply);
    throw new GamutProtocolError(`The gateway answered ${response.status} without a JSON-RPC reply.`);
  }
  if (reply.error) throw rpcError(reply.error, response);
  if (!('result' in reply)) throw new GamutProtocolError('The JSON-RPC reply has neither result nor error.');
  const result = reply.result;
  const task = result?.task ?? (result?.kind === 'task' ? result : undefined);
  const approval = task?.metadata?.[APPROVAL_METADATA_KEY];
  // Only the answer to a message sent is held for approval: a task read back (getTask) is returned as it is.
  if (isMessage && task && HELD_STATES.has(task.status?.state) && approval?.id) {
    const error = new GamutApprovalRequiredError(`The message was held for approval ${approval.id}.`, {
      status: response.status, code: 'approval_required', decision: 'require_approval', problem: { code: 'approval_required', approval, task },
    });
    error.messageId = params.message.messageId;
    throw error;
  }
  if (!isMessage || version !== '0.3' || result === null || typeof result !== 'object') return result;
  return result.kind === 'task' ? { task: result } : result.kind === 'message' ? { message: result } : result;
}

function rpcError(error, response) {
  const data = error.data !== null && typeof error.data === 'object' ? error.data : {};
  const code = typeof data.code === 'string' ? data.code : `jsonrpc_${error.code}`;
  const details = { code, decision: data.decision, explanation: data.explanation, requestId: data.request_id, problem: data };
  const message = `${error.message ?? 'The A2A call was refused.'} (${code}, JSON-RPC ${error.code})`;
  let typed;
  if (error.code === -31000 && BLOCKING.has(data.decision)) typed = new GamutDeniedError(message, details);
  else if (error.code === -31000 && data.approval?.id) typed = new GamutApprovalRequiredError(message, details);
  // A refusal's data carries its HTTP status (429: a rate, run or budget limit); the wait is the answer's Retry-After.
  else if (error.code === -31000 && (data.status === 429 || /rate_limit|budget/.test(code))) {
    typed = new GamutRateLimitedError(message, details, retryAfterSeconds(response));
  }
  else typed = new GamutA2aError(message, details, error.code, error.data);
  typed.rpcCode = error.code;
  return typed;
}

function messageParams(input, version) {
  if (input === null || typeof input !== 'object') throw new GamutConfigurationError('An A2A message needs text or parts.');
  const { skill, text, parts, data, messageId, taskId, contextId, metadata, warrant } = input;
  const wire = parts ?? [
    ...(text === undefined ? [] : [version === '0.3' ? { kind: 'text', text } : { text }]),
    ...(data === undefined ? [] : [version === '0.3' ? { kind: 'data', data } : { data }]),
  ];
  if (!Array.isArray(wire) || wire.length === 0) throw new GamutConfigurationError('An A2A message needs text, data or parts.');
  const message = version === '0.3'
    ? { kind: 'message', messageId: messageId ?? randomUUID(), role: 'user', parts: wire }
    : { messageId: messageId ?? randomUUID(), role: 'ROLE_USER', parts: wire };
  if (taskId !== undefined) message.taskId = taskId;
  if (contextId !== undefined) message.contextId = contextId;
  const params = { message, metadata: { ...(metadata ?? {}) } };
  if (skill !== undefined) params.metadata[SKILL_METADATA_KEY] = skill;
  return warrant === undefined ? params : withWarrant(params, warrant);
}

function taskParams({ taskId }) {
  if (typeof taskId !== 'string' || taskId.length === 0) throw new GamutConfigurationError('A task id is required.');
  return { id: taskId };
}

function withWarrant(params, warrant) {
  return { ...params, metadata: { ...params.metadata, [A2A_WARRANT_METADATA_KEY]: warrant } };
}

function versionOf({ version = '1.0' } = {}) {
  if (!(version in METHODS)) throw new GamutConfigurationError(`A2A version '${version}' is not spoken here (1.0 or 0.3).`);
  return version;
}

function route(connector) {
  if (typeof connector !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(connector)) throw new GamutConfigurationError(`'${connector}' is not a connector name.`);
  return `/a2a/${connector}`;
}

function parse(text) {
  try { return text.length > 0 ? JSON.parse(text) : undefined; } catch { return undefined; }
}
