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

  for (const url of ['http://gw.example:8080', 'http://10.0.0.5', 'http://[fd00::1]:8080', 'http://localhost.example', 'http://127.0.0.1.nip.io', 'http://[::ffff:127.0.0.1]']) {
    test(`plain-http base URL ${url} (not loopback) is refused, naming the opt-in`, () => {
      for (const attempt of [() => new GamutClient({ ...OPTIONS, baseUrl: url }), () => GamutClient.fromEnv({ ...FIVE, GAMUT_BASE_URL: url }),
        () => GamutClient.fromEnv({ ...FIVE, GAMUT_BASE_URL: url, GAMUT_ALLOW_INSECURE_HTTP: 'false' })]) {
        assert.throws(attempt, (error) => error instanceof GamutConfigurationError && /GAMUT_BASE_URL is plain http/.test(error.message)
          && error.message.includes('allowInsecureHttp: true') && error.message.includes('GAMUT_ALLOW_INSECURE_HTTP=true'));
      }
    });
  }

  for (const url of ['http://localhost:8080', 'http://LOCALHOST', 'http://127.0.0.1:8080', 'http://127.8.9.10', 'http://[::1]:8080', 'https://gw.example']) {
    test(`base URL ${url} (loopback, or https) needs no opt-in`, () => assert.equal(new GamutClient({ ...OPTIONS, baseUrl: url }).baseUrl, new URL(url).origin));
  }

  test('allowInsecureHttp: true (or GAMUT_ALLOW_INSECURE_HTTP=true) accepts plain http to another host', () => {
    assert.equal(new GamutClient({ ...OPTIONS, baseUrl: 'http://gw.example:8080', allowInsecureHttp: true }).baseUrl, 'http://gw.example:8080');
    assert.equal(GamutClient.fromEnv({ ...FIVE, GAMUT_BASE_URL: 'http://gw.example:8080', GAMUT_ALLOW_INSECURE_HTTP: 'True' }).baseUrl, 'http://gw.example:8080');
    assert.equal(GamutClient.fromEnv({ ...FIVE, GAMUT_BASE_URL: 'http://gw.example:8080' }, { allowInsecureHttp: true }).baseUrl, 'http://gw.example:8080');
  });

  test('an opt-in that is not true or false is refused', () => {
    assert.throws(() => new GamutClient({ ...OPTIONS, allowInsecureHttp: 'true' }), GamutConfigurationError);
    assert.throws(() => GamutClient.fromEnv({ ...FIVE, GAMUT_ALLOW_INSECURE_HTTP: 'yes' }), /GAMUT_ALLOW_INSECURE_HTTP must be true or false/);
  });

  test('a delegated child keeps the parent\'s opt-in to plain http', async () => {
    const answer = {
      agent: 'child-1', secret: 'child-secret-0123456789abcdefghij', tenant: 'demo',
      delegation: { name: 'researcher', parent: 'demo-agent', depth: 1, expires_at: '2099-01-01T00:00:00Z' },
    };
    const fetch = async () => new Response(JSON.stringify(answer), { status: 200, headers: { 'content-type': 'application/json' } });
    const parent = new GamutClient({ ...OPTIONS, baseUrl: 'http://gw.example:8080', allowInsecureHttp: true, fetch });
    const child = await parent.delegate({ name: 'researcher', permissions: [{ tool: 'crm.read_contact' }] });
    assert.deepEqual([child.agentId, child.baseUrl], ['child-1', 'http://gw.example:8080']);
  });

  test('the signing fetch refuses any origin but the gateway', async () => {
    const client = new GamutClient(OPTIONS);
    await assert.rejects(client.fetch('https://api.openai.com/v1/chat/completions', { method: 'POST', body: '{}' }), GamutConfigurationError);
  });
});
