// A2A through the gateway (docs/a2a.md): the official @a2a-js/sdk client, its requests signed by the agent SDK
// (sdk/node: GamutClient's signing fetch), reaches an @a2a-js/sdk server agent through the REAL gateway binary: the card
// it resolves names the gateway and verifies under the gateway's key with the SDK's own verifier; a message (sent or
// streamed) to a permitted skill completes, one to another skill is the protocol's error; a streamed message's events
// (the task, a status update, an artifact, the completion) reach the client one by one as the agent sends them, redacted;
// a task's push-notification webhook on an internal address is refused, a public one set on the agent; another agent
// (the bundle's rogue-agent, signed with its own secret) cannot read, cancel or watch the first agent's task; a remote
// card with a broken signature is refused.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import express from 'express';
import { Role, TaskState, verifyAgentCardSignature } from '@a2a-js/sdk';
import { ClientFactory, ClientFactoryOptions, DefaultAgentCardResolver, JsonRpcTransportFactory } from '@a2a-js/sdk/client';
import { AgentEvent, DefaultExecutionEventBusManager, DefaultRequestHandler, InMemoryPushNotificationStore, InMemoryTaskStore } from '@a2a-js/sdk/server';
import { agentCardHandler, jsonRpcHandler, UserBuilder } from '@a2a-js/sdk/server/express';
import { GamutClient } from '../../../sdk/node/src/index.js';
import { startGateway } from '../lib/gateway.js';
import { DEMO_AGENT } from '../lib/signing.js';

const skill = (id) => ({ id, name: id, description: id, tags: [id], examples: [], inputModes: [], outputModes: [], securityRequirements: [] });

async function startAgent() {
  const app = express();
  const server = await new Promise((resolve) => { const s = app.listen(0, '127.0.0.1', () => resolve(s)); });
  const origin = `http://127.0.0.1:${server.address().port}`;
  const card = {
    name: 'Helper', description: 'A helper agent', version: '1.0.0',
    supportedInterfaces: [{ url: `${origin}/a2a`, protocolBinding: 'JSONRPC', protocolVersion: '1.0', tenant: '' }],
    capabilities: { streaming: true, pushNotifications: true, extensions: [], extendedAgentCard: false },
    securitySchemes: {}, securityRequirements: [], defaultInputModes: ['text/plain'], defaultOutputModes: ['text/plain'],
    skills: [skill('summarize'), skill('translate'), skill('wire')], signatures: [],
  };
  const received = [];
  // A streamed task's events: each one after the first is published only once the test has read the one before it
  // through the gateway (read(i)). A gateway that held events back would keep that read from happening: the agent gives up
  // waiting after 20 s, says so in `stalls`, and publishes the rest at once.
  let reads = [];
  const stalls = [];
  const readOf = (i) => {
    reads[i] ??= (() => { let done; const promise = new Promise((r) => { done = r; }); return { promise, done }; })();
    return reads[i];
  };
  const readWithin = async (i, ms) => {
    let timer;
    const gaveUp = new Promise((r) => { timer = setTimeout(() => r(false), ms); });
    try {
      return await Promise.race([readOf(i).promise.then(() => true), gaveUp]);
    } finally {
      clearTimeout(timer);
    }
  };
  const executor = {
    async execute(context, bus) {
      const text = context.userMessage.parts.map((p) => (p.content?.$case === 'text' ? p.content.value : '')).join('');
      received.push(text);
      if (text === 'stream it') {
        // The task, then a status update, an artifact and the completion, each once the client has read the one before: the
        // gateway must pass each on as it comes.
        const status = (state) => ({ state, message: undefined, timestamp: undefined });
        const events = [
          AgentEvent.task({ id: context.taskId, contextId: context.contextId, history: [], metadata: undefined, status: status(TaskState.TASK_STATE_SUBMITTED), artifacts: [] }),
          AgentEvent.statusUpdate({ taskId: context.taskId, contextId: context.contextId, status: status(TaskState.TASK_STATE_WORKING), metadata: undefined }),
          AgentEvent.artifactUpdate({ taskId: context.taskId, contextId: context.contextId, append: false, lastChunk: true, metadata: undefined,
            artifact: { artifactId: 'a1', name: 'answer', description: '', metadata: undefined, extensions: [],
              parts: [{ content: { $case: 'text', value: `done: ${text}; contact ops@example.com` }, metadata: undefined, filename: '', mediaType: 'text/plain' }] } }),
          AgentEvent.statusUpdate({ taskId: context.taskId, contextId: context.contextId, status: status(TaskState.TASK_STATE_COMPLETED), metadata: undefined }),
        ];
        reads = [];
        let stalled = false;
        for (const [i, event] of events.entries()) {
          if (i > 0 && !stalled && !(await readWithin(i - 1, 20_000))) {
            stalled = true;
            stalls.push(`event ${i - 1} of ${events.length} did not reach the client through the gateway within 20 s, so the agent could not publish the next`);
          }
          bus.publish(event);
        }
        bus.finished();
        return;
      }
      bus.publish(AgentEvent.task({
        id: context.taskId, contextId: context.contextId, history: [], metadata: undefined,
        status: { state: TaskState.TASK_STATE_COMPLETED, message: undefined, timestamp: undefined },
        artifacts: [{ artifactId: 'a1', name: 'answer', description: '', metadata: undefined, extensions: [],
          parts: [{ content: { $case: 'text', value: `done: ${text}` }, metadata: undefined, filename: '', mediaType: 'text/plain' }] }],
      }));
      bus.finished();
    },
    async cancelTask() {},
  };
  // Push-notification configurations are kept; nothing is ever sent to a webhook (the sender does nothing).
  const handler = new DefaultRequestHandler(card, new InMemoryTaskStore(), executor, new DefaultExecutionEventBusManager(),
    new InMemoryPushNotificationStore(), { async send() {} });
  app.use('/.well-known/agent-card.json', agentCardHandler({ agentCardProvider: { getAgentCard: async () => card } }));
  app.use('/a2a', jsonRpcHandler({ requestHandler: handler, userBuilder: UserBuilder.noAuthentication }));
  return { origin, received, stalls, read: (i) => readOf(i).done(), close: () => new Promise((resolve) => server.close(resolve)) };
}

// A remote agent whose card carries a signature that does not verify (random bytes under an ES256 header).
async function startBrokenCardAgent() {
  const app = express();
  const server = await new Promise((resolve) => { const s = app.listen(0, '127.0.0.1', () => resolve(s)); });
  const origin = `http://127.0.0.1:${server.address().port}`;
  const header = Buffer.from(JSON.stringify({ alg: 'ES256', kid: 'broken-1' })).toString('base64url');
  const card = {
    name: 'Broken', description: 'A card whose signature fails', version: '1.0.0',
    supportedInterfaces: [{ url: `${origin}/a2a`, protocolBinding: 'JSONRPC', protocolVersion: '1.0', tenant: '' }],
    capabilities: { streaming: false, pushNotifications: false, extensions: [], extendedAgentCard: false },
    securitySchemes: {}, securityRequirements: [], defaultInputModes: ['text/plain'], defaultOutputModes: ['text/plain'],
    skills: [skill('summarize')], signatures: [{ protected: header, signature: randomBytes(64).toString('base64url'), header: undefined }],
  };
  app.get('/.well-known/agent-card.json', (_, response) => response.json(card));
  return { origin, close: () => new Promise((resolve) => server.close(resolve)) };
}

describe('@a2a-js/sdk client → gateway → @a2a-js/sdk server', () => {
  let agent;
  let broken;
  let gateway;
  let client;
  let rogue;
  let gamut;
  const ROGUE_SECRET = `rogue-agent-node-test-${Math.random().toString(16).slice(2)}-secret`;

  before(async () => {
    agent = await startAgent();
    broken = await startBrokenCardAgent();
    const pinned = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
    gateway = await startGateway({
      edit: (text) => text
        .replace('  - name: workspace\n', `  - { name: helper, kind: a2a, action_type: read, target_system: helper, upstream: ${agent.origin}/a2a, credential: none }
  - { name: helper.summarize, kind: a2a_skill, action_type: read, target_system: helper, connector: helper, a2a_skill: summarize }
  - { name: helper.translate, kind: a2a_skill, action_type: read, target_system: helper, connector: helper, a2a_skill: translate }
  - { name: helper.wire, kind: a2a_skill, action_type: external, target_system: helper, connector: helper, a2a_skill: wire }
  - { name: broken, kind: a2a, action_type: read, target_system: broken, upstream: ${broken.origin}/a2a, credential: none, card_key: { kty: EC, crv: P-256, x: "${pinned.x}", y: "${pinned.y}" } }
  - { name: broken.summarize, kind: a2a_skill, action_type: read, target_system: broken, connector: broken, a2a_skill: summarize }

  - name: workspace\n`)
        .replace('      - { tool: workspace }\n', '      - { tool: workspace }\n      - { tool: helper }\n      - { tool: helper.summarize }\n      - { tool: helper.wire }\n      - { tool: broken }\n      - { tool: broken.summarize }\n')
        // A second agent, the rogue one, may use the summarize skill too (its incident and red-team finding settled).
        .replace('      - { tool: crm.read_contact }\n\n  # Signs with a key pair', '      - { tool: crm.read_contact }\n      - { tool: helper }\n      - { tool: helper.summarize }\n\n  # Signs with a key pair')
        .replace('    severity: critical\n    status: open\n    agents: [rogue-agent]\n', '    severity: low\n    status: open\n    agents: [rogue-agent]\n')
        .replace('{ agent: rogue-agent, scenario: prompt_injection, passed: false', '{ agent: rogue-agent, scenario: prompt_injection, passed: true'),
      env: { ROGUE_AGENT_SECRET: ROGUE_SECRET },
    });
    gamut = new GamutClient({ baseUrl: gateway.baseUrl, tenant: DEMO_AGENT.tenant, workspace: DEMO_AGENT.workspace, agentId: DEMO_AGENT.agent, secret: DEMO_AGENT.secret });
    client = await a2aClient(gamut);
    rogue = await a2aClient(new GamutClient({ baseUrl: gateway.baseUrl, tenant: DEMO_AGENT.tenant, workspace: DEMO_AGENT.workspace, agentId: 'rogue-agent', secret: ROGUE_SECRET }));
  });

  async function a2aClient(signer, connector = 'helper') {
    const factory = new ClientFactory(ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
      transports: [new JsonRpcTransportFactory({ fetchImpl: signer.fetch })],
      cardResolver: new DefaultAgentCardResolver({ fetchImpl: signer.fetch }),
    }));
    return factory.createFromUrl(`${gateway.baseUrl}/a2a/${connector}/`);
  }

  test('a remote card whose signature does not verify under the pinned key is refused: the client gets no card', async () => {
    await assert.rejects(a2aClient(gamut, 'broken'), (error) => {
      assert.match(String(error.message ?? error), /502|card/i, String(error.message ?? error));
      return true;
    });
    const response = await gamut.fetch(`${gateway.baseUrl}/a2a/broken/.well-known/agent-card.json`);
    assert.equal(response.status, 502);
    assert.equal((await response.json()).code, 'a2a_card_unverified');
  });

  after(async () => {
    await gateway?.stop();
    await agent?.close();
    await broken?.close();
  });

  const message = (skillId, text, { messageId = `m-${Math.random().toString(16).slice(2)}`, warrant } = {}) => ({
    tenant: '', configuration: undefined, metadata: undefined,
    message: { messageId, contextId: '', taskId: '', role: Role.ROLE_USER, extensions: [], referenceTaskIds: [],
      parts: [{ content: { $case: 'text', value: text }, metadata: undefined, filename: '', mediaType: '' }],
      metadata: warrant ? { 'gamut.dev/skill': skillId, 'gamut.dev/warrant': warrant } : { 'gamut.dev/skill': skillId } },
  });

  async function admin(path, token, body) {
    const response = await fetch(`${gateway.baseUrl}${path}`, {
      method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body ?? {}),
    });
    const text = await response.text();
    assert.ok(response.ok, `${path}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : {};
  }

  test('a held message comes back input-required naming the approval; once alice approves, the same message with the warrant completes', async () => {
    const held = await client.sendMessage(message('wire', 'pay invoice 7', { messageId: 'm-wire-7' }));
    const heldTask = held.task ?? held;
    assert.equal(heldTask.status.state, TaskState.TASK_STATE_INPUT_REQUIRED, JSON.stringify(held));
    const approvalId = heldTask.metadata['gamut.dev/approval'].id;
    assert.equal(heldTask.id, approvalId);
    assert.ok(!agent.received.includes('pay invoice 7'), 'nothing reached the agent while held');

    const minter = (await admin('/admin/v1/tokens', gateway.adminToken, { name: 'minter-of-alice', roles: ['admin'] })).token;
    const alice = (await admin('/admin/v1/tokens', minter, { name: 'alice', roles: ['approver'], tenant: 'demo', person: 'alice' })).token;
    await admin(`/admin/v1/tenants/demo/approvals/${approvalId}/approve`, alice);
    const poll = await (await gamut.fetch(`${gateway.baseUrl}/v1/approvals/${approvalId}`)).json();
    assert.equal(poll.status, 'approved', JSON.stringify(poll));

    const done = await client.sendMessage(message('wire', 'pay invoice 7', { messageId: 'm-wire-7', warrant: poll.warrant }));
    assert.equal((done.task ?? done).status.state, TaskState.TASK_STATE_COMPLETED, JSON.stringify(done));
    assert.ok(agent.received.includes('pay invoice 7'));
  });

  test('the card the client resolves names the gateway, lists only the permitted skill, and verifies under the gateway\'s key (the SDK\'s own verifier)', async () => {
    const keys = await (await fetch(`${gateway.baseUrl}/.well-known/gamut-receipt-keys.json`)).json();
    const verifier = verifyAgentCardSignature(async (kid) => keys.keys.find((key) => key.kid === kid));
    const card = await client.getAgentCard(undefined, verifier);
    assert.equal(card.supportedInterfaces[0].url, `${gateway.baseUrl}/a2a/helper`);
    assert.deepEqual(card.skills.map((s) => s.id), ['summarize', 'wire']);
    assert.ok(!JSON.stringify(card).includes(agent.origin), 'the remote agent\'s address is not on the card');
  });

  test('a streamed message to a permitted skill comes back as the agent\'s events, each as the agent sends it, redacted', async () => {
    const events = [];
    for await (const event of client.sendMessageStream(message('summarize', 'stream it'))) {
      events.push(event);
      agent.read(events.length - 1);
    }
    // The agent publishes each event only after the client has read the one before: a gateway that buffered would stall it.
    assert.deepEqual(agent.stalls, [], 'each event reached the client before the agent sent the next');
    const text = JSON.stringify(events);
    assert.ok(text.includes('done: stream it'), text);
    assert.ok(!text.includes('ops@example.com'), 'the e-mail address in the artifact is redacted');
    assert.deepEqual(events.map((e) => e.payload.$case), ['task', 'statusUpdate', 'artifactUpdate', 'statusUpdate'], text);
    assert.equal(events[1].payload.value.status.state, TaskState.TASK_STATE_WORKING, text);
    assert.equal(events[3].payload.value.status.state, TaskState.TASK_STATE_COMPLETED, text);
  });

  test('a task\'s push-notification webhook on the metadata address, a private one or a name that does not resolve is refused; a public one is set on the agent', async () => {
    const sent = await client.sendMessage(message('summarize', 'a task to watch'));
    const task = sent.task ?? sent;
    const config = (url) => ({ tenant: '', id: '', taskId: task.id, url, token: '', authentication: undefined });
    for (const url of ['http://169.254.169.254/latest/meta-data/', 'http://10.0.0.7/hook']) {
      await assert.rejects(client.createTaskPushNotificationConfig(config(url)), (error) => {
        assert.match(String(error.message ?? error), /webhook|internal|address|refused/i, String(error.message ?? error));
        return true;
      });
    }
    // The host name is resolved after the decision is recorded, before forwarding (docs/a2a.md): a name that does not resolve (.invalid, RFC 6761) is refused.
    await assert.rejects(client.createTaskPushNotificationConfig(config('https://hooks.invalid/a2a')), (error) => {
      assert.match(String(error.message ?? error), /did not resolve|cannot be checked/i, String(error.message ?? error));
      return true;
    });
    // A public address written in the URL (nothing to resolve, so no DNS is needed here; the documentation ranges, such
    // as TEST-NET-3, are not globally reachable and are refused).
    const set = await client.createTaskPushNotificationConfig(config('https://8.8.8.8/a2a'));
    assert.equal(set.url, 'https://8.8.8.8/a2a', JSON.stringify(set));
    const listed = await client.listTaskPushNotificationConfig({ tenant: '', taskId: task.id, pageSize: 10, pageToken: '' });
    assert.deepEqual(listed.configs.map((c) => c.url), ['https://8.8.8.8/a2a'], JSON.stringify(listed));
  });

  test('a webhook in a shape or on an address the old rule missed, and a body that is not one request, are JSON-RPC errors; nothing reaches the agent', async () => {
    const post = async (body) => {
      const response = await gamut.fetch(`${gateway.baseUrl}/a2a/helper`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
      assert.equal(response.headers.get('content-type')?.split(';')[0], 'application/json');
      return response.json();
    };
    const withConfiguration = (configuration) => JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'SendMessage', params: {
      message: { messageId: `m-${Math.random().toString(16).slice(2)}`, role: 'ROLE_USER', parts: [{ text: 'watch it' }], metadata: { 'gamut.dev/skill': 'summarize' } },
      configuration } });
    const before = agent.received.length;
    for (const configuration of [
      { push_notification_config: { url: 'http://169.254.169.254/latest/meta-data/' } },
      { taskPushNotificationConfig: { url: 'http://[64:ff9b::a9fe:a9fe]/hook' } },
      { pushNotificationConfig: [{ url: 'https://8.8.8.8/a2a' }, { url: 'http://[2002:7f00:1::]/hook' }] },
    ]) {
      const reply = await post(withConfiguration(configuration));
      assert.equal(reply.error?.code, -32602, JSON.stringify(reply));
      assert.equal(reply.error.data.code, 'a2a_push_url_refused', JSON.stringify(reply));
    }
    const parse = await post('{"jsonrpc":"2.0","id":5,');
    assert.deepEqual([parse.id, parse.error?.code, parse.error?.data?.code], [null, -32700, 'malformed_body'], JSON.stringify(parse));
    const batch = await post(JSON.stringify([{ jsonrpc: '2.0', id: 5, method: 'GetTask', params: { id: 't' } }]));
    assert.deepEqual([batch.id, batch.error?.code, batch.error?.data?.code], [null, -32600, 'malformed_body'], JSON.stringify(batch));
    assert.equal(agent.received.length, before);
  });

  test('a task another agent opened cannot be read, cancelled or watched: task not found, nothing reaches the agent', async () => {
    const sent = await client.sendMessage(message('summarize', 'my task'));
    const task = sent.task ?? sent;
    const notFound = (error) => {
      assert.match(String(error.message ?? error), /No task of this agent has that id/, String(error.message ?? error));
      return true;
    };
    await assert.rejects(rogue.getTask({ tenant: '', id: task.id, historyLength: undefined }), notFound);
    await assert.rejects(rogue.cancelTask({ tenant: '', id: task.id, metadata: undefined }), notFound);
    await assert.rejects(rogue.listTaskPushNotificationConfig({ tenant: '', taskId: task.id, pageSize: 10, pageToken: '' }), notFound);
    const own = await client.getTask({ tenant: '', id: task.id, historyLength: undefined });
    assert.equal(own.status.state, TaskState.TASK_STATE_COMPLETED, JSON.stringify(own));
  });

  test('a message to a permitted skill reaches the agent through the gateway and completes', async () => {
    const result = await client.sendMessage(message('summarize', 'the report'));
    const task = result.task ?? result;
    assert.equal(task.status.state, TaskState.TASK_STATE_COMPLETED, JSON.stringify(result));
    assert.ok(agent.received.includes('the report'), JSON.stringify(agent.received));
  });

  test('a message to a skill the agent may not use is the protocol\'s error, and never reaches the agent', async () => {
    const before = agent.received.length;
    await assert.rejects(client.sendMessage(message('translate', 'bonjour')), (error) => {
      assert.match(String(error.message ?? error), /not permitted|block/i);
      return true;
    });
    assert.equal(agent.received.length, before);
  });
  test('every call above is in the audit chain (the remote tasks\' states among them), and the chain verifies intact', async () => {
    const get = async (path) => {
      const response = await fetch(`${gateway.baseUrl}${path}`, { headers: { Authorization: `Bearer ${gateway.adminToken}` } });
      assert.ok(response.ok, `${path}: ${response.status}`);
      return response.json();
    };
    const records = (await get('/admin/v1/tenants/demo/audit?start=0&limit=1000')).records;
    const decisions = new Set(records.map((r) => r.decision));
    for (const expected of ['a2a_card_served', 'a2a_task_state', 'refused:a2a_push_url_refused', 'refused:a2a_card_unverified']) {
      assert.ok(decisions.has(expected), `${expected} in ${JSON.stringify([...decisions])}`);
    }
    assert.ok(records.some((r) => r.a2a_task?.state === 'completed' && r.tool === 'helper.summarize'), 'a completed remote task is recorded');
    assert.equal((await get('/admin/v1/tenants/demo/audit/verify')).intact, true);
  });
});
