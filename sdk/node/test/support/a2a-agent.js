// A tiny A2A agent (JSON-RPC, both wire versions) inside the suite's upstream: its card at /.well-known/agent-card.json
// (skills summarize, translate, wire) and its endpoint at /a2a. A message gets a completed task echoing its text; a
// streamed one three events; tasks are read and cancelled. The gateway's bundle names it `helper` (sdk/testing/gateway.sh).
const tasks = new Map();
let count = 0;

export function a2aCard(origin) {
  const skill = (id) => ({ id, name: id, description: `${id} a text`, tags: [id] });
  return {
    name: 'Helper', description: 'A helper agent', version: '1.0.0', protocolVersion: '1.0', url: `${origin}/a2a`,
    supportedInterfaces: [{ url: `${origin}/a2a`, protocolBinding: 'JSONRPC', protocolVersion: '1.0' }],
    capabilities: { streaming: true, pushNotifications: false },
    defaultInputModes: ['text/plain'], defaultOutputModes: ['text/plain'],
    skills: [skill('summarize'), skill('translate'), skill('wire')],
  };
}

/** The JSON-RPC reply (or, for a stream, the SSE text) to one request. */
export function a2aReply({ id, method, params }) {
  const reply = (result) => ({ json: { jsonrpc: '2.0', id, result } });
  const v03 = method.includes('/');
  const text = params?.message?.parts?.map((p) => p.text ?? '').join('') ?? '';
  switch (method) {
    case 'SendMessage': case 'message/send': {
      const taskId = `task-${++count}`;
      tasks.set(taskId, 'completed');
      const task = {
        id: taskId, contextId: params.message.contextId ?? 'ctx-1',
        status: { state: v03 ? 'completed' : 'TASK_STATE_COMPLETED' },
        artifacts: [{ artifactId: 'a-1', parts: [{ text: `done: ${text}` }] }],
      };
      return reply(v03 ? { kind: 'task', ...task } : { task });
    }
    case 'SendStreamingMessage': case 'message/stream': {
      const taskId = `task-${++count}`;
      tasks.set(taskId, 'completed');
      const events = [
        { statusUpdate: { taskId, contextId: 'ctx-1', status: { state: 'TASK_STATE_WORKING' } } },
        { artifactUpdate: { taskId, artifact: { artifactId: 'a-1', parts: [{ text: `done: ${text}` }] } } },
        { statusUpdate: { taskId, contextId: 'ctx-1', status: { state: 'TASK_STATE_COMPLETED' }, final: true } },
      ];
      return { sse: events.map((result) => `data: ${JSON.stringify({ jsonrpc: '2.0', id, result })}\n\n`).join('') };
    }
    case 'GetTask': case 'tasks/get':
      return reply({ id: params.id, status: { state: tasks.get(params.id) ?? 'unknown' } });
    case 'ListTasks': case 'tasks/list': // with a task nobody opened through the gateway, which it must leave out
      return reply({ tasks: [...tasks.keys(), 'task-foreign'].map((t) => ({ id: t, status: { state: tasks.get(t) ?? 'completed' } })), totalSize: tasks.size + 1, nextPageToken: '' });
    case 'CancelTask': case 'tasks/cancel':
      tasks.set(params.id, 'canceled');
      return reply({ id: params.id, status: { state: v03 ? 'canceled' : 'TASK_STATE_CANCELED' } });
    default:
      return { json: { jsonrpc: '2.0', id, error: { code: -32601, message: 'no such method' } } };
  }
}
