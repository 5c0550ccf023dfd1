// Configuration is exactly the five GAMUT_* values; provider configuration is refused at construction.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GamutClient, GamutConfigurationError } from '../src/index.js';

const FIVE = {
  GAMUT_BASE_URL: 'http://127.0.0.1:8080',
  GAMUT_TENANT_SLUG: 'demo',
  GAMUT_WORKSPACE_ID: 'ws-demo',
  GAMUT_AGENT_ID: 'demo-agent',
  GAMUT_BYO_AGENT_SECRET: 'demo-secret-do-not-use-in-production-0123456789',
};
const OPTIONS = { baseUrl: 'http://127.0.0.1:8080', tenant: 'demo', workspace: 'ws-demo', agentId: 'demo-agent', secret: FIVE.GAMUT_BYO_AGENT_SECRET };

describe('configuration', () => {
  test('fromEnv reads the five values', () => {
    const client = GamutClient.fromEnv(FIVE);
    assert.equal(client.baseUrl, 'http://127.0.0.1:8080');
    assert.equal(client.agentId, 'demo-agent');
    assert.equal(client.providerUrl('openai'), 'http://127.0.0.1:8080/providers/openai');
  });

  test('a missing value is refused', () => {
    const { GAMUT_AGENT_ID, ...four } = FIVE;
    assert.throws(() => GamutClient.fromEnv(four), GamutConfigurationError);
  });

  for (const [name, value] of [['apiKey', 'x'], ['baseURL', 'https://api.openai.com/v1'], ['organization', 'org'], ['headers', {}]]) {
    test(`option '${name}' is refused`, () => assert.throws(() => new GamutClient({ ...OPTIONS, [name]: value }), GamutConfigurationError));
  }

  for (const url of ['https://api.openai.com', 'http://127.0.0.1:8080/providers/openai', 'http://127.0.0.1:8080/v1', 'http://user:pw@127.0.0.1:8080', 'ftp://127.0.0.1', 'http://127.0.0.1:8080/gateway']) {
    test(`base URL ${url} is refused`, () => assert.throws(() => new GamutClient({ ...OPTIONS, baseUrl: url }), GamutConfigurationError));
  }

  test('a provider-key-shaped secret is refused', () => {
    assert.throws(() => new GamutClient({ ...OPTIONS, secret: 'sk-test0000000000000000000000fake' }), GamutConfigurationError);
  });

  test('a provider setting among the GAMUT_* variables is refused', () => {
    assert.throws(() => GamutClient.fromEnv({ ...FIVE, GAMUT_OPENAI_API_KEY: 'x' }), GamutConfigurationError);
  });

  for (const name of ['.', '..', '-openai', '_x', '']) {
    test(`connector name '${name}' is refused: a name starts with a letter or digit`, async () => {
      const client = new GamutClient(OPTIONS);
      assert.throws(() => client.providerUrl(name), GamutConfigurationError);
      await assert.rejects(client.agentCard(name), GamutConfigurationError);
    });
  }

  test('a connector name may hold dots, dashes and underscores after its first character', () => {
    assert.equal(new GamutClient(OPTIONS).providerUrl('9open.ai_x-y'), 'http://127.0.0.1:8080/providers/9open.ai_x-y');
  });

  test('the signing fetch refuses any origin but the gateway', async () => {
    const client = new GamutClient(OPTIONS);
    await assert.rejects(client.fetch('https://api.openai.com/v1/chat/completions', { method: 'POST', body: '{}' }), GamutConfigurationError);
  });
});
