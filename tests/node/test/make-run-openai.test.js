// The official OpenAI Node client, signed by the agent SDK (sdk/node: GamutClient's signing fetch),
// against `make run`'s own gateway and demo OpenAI upstream through /providers/openai.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { GamutClient } from '../../../sdk/node/src/index.js';
import { startMakeRun } from '../lib/make-run.js';

// What examples/DemoUpstreams answers, word by word, for a model.
const DEMO_WORDS = ['Hello', ' from', ' the', ' demo', ' model', ' (', 'gpt-4o', ').'];
// examples/bundle/secrets/demo-agent.secret (demo only).
const DEMO_SECRET = 'demo-secret-do-not-use-in-production-0123456789';

describe('OpenAI Node client through make run', () => {
  let demo;

  const client = (agentId, secret) => {
    const gamut = new GamutClient({ baseUrl: demo.baseUrl, tenant: 'demo', workspace: 'ws-demo', agentId, secret });
    return new OpenAI({ ...gamut.openAIOptions('openai'), timeout: 60_000 });
  };

  before(async () => {
    demo = await startMakeRun();
  });

  after(async () => {
    await demo?.stop();
  });

  test('a chat call returns the demo model\'s answer', async () => {
    const completion = await client('demo-agent', DEMO_SECRET).chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'Say hello.' }],
    });
    assert.equal(completion.choices[0].message.content, DEMO_WORDS.join(''));
    assert.equal(completion.usage.total_tokens, 12 + DEMO_WORDS.length);
  });

  test('a streamed chat call streams every word in order', async () => {
    const stream = await client('demo-agent', DEMO_SECRET).chat.completions.create({
      model: 'gpt-4o',
      stream: true,
      messages: [{ role: 'user', content: 'Say hello.' }],
    });
    const pieces = [];
    let usage;
    for await (const chunk of stream) {
      const content = chunk.choices[0]?.delta?.content;
      if (content) pieces.push(content);
      if (chunk.usage) usage = chunk.usage;
    }
    assert.deepEqual(pieces, DEMO_WORDS);
    assert.equal(usage?.total_tokens, 12 + DEMO_WORDS.length);
  });

  test('a blocked call shows the gateway\'s refusal code and message', async () => {
    await assert.rejects(
      client('rogue-agent', demo.rogueSecret).chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }),
      (error) => {
        assert.ok(error instanceof OpenAI.PermissionDeniedError, `expected a 403 PermissionDeniedError, got ${error}`);
        assert.equal(error.status, 403);
        assert.equal(error.code, 'blocked_incident_opened');
        assert.equal(error.error?.message, 'The action is blocked and an incident was opened.');
        assert.match(error.message, /blocked and an incident was opened/);
        return true;
      },
    );
  });
});
