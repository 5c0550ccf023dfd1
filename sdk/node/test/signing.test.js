// signatureHeaders refuses, before anything is sent, a request that carries the agent's own runtime secret in its
// target (verbatim or percent-encoded to any depth), its body (raw or JSON-escaped) or a header; so does the signing fetch.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GamutClient, GamutSecretMaterialError, signatureHeaders } from '../src/index.js';

const SECRET = 'demo-secret-do-not-use-in-production-0123456789';
const IDENTITY = { tenant: 'demo', workspace: 'ws-demo', agentId: 'demo-agent', secret: SECRET };
const encodeEveryCharacter = (text) => [...Buffer.from(text, 'utf8')].map((b) => '%' + b.toString(16).toUpperCase().padStart(2, '0')).join('');
const bytes = (text) => Buffer.from(text, 'utf8');

function refused(path, action) {
  assert.throws(action, (error) => {
    assert.ok(error instanceof GamutSecretMaterialError);
    assert.equal(error.code, 'secret_material_in_payload');
    assert.deepEqual(error.findings, [{ path, kind: 'agent_secret' }]);
    assert.ok(!error.message.includes(SECRET));
    return true;
  });
}

describe('signatureHeaders: the agent secret', () => {
  test('an ordinary request is signed', () => {
    const headers = signatureHeaders(IDENTITY, 'POST', '/providers/openai/v1/chat/completions?stream=true',
      bytes('{"model":"gpt","messages":[{"role":"user","content":"hello"}]}'), Date.now(), { 'x-request-label': 'ordinary' });
    assert.match(headers['X-Gamut-Signature'], /^v1=[0-9a-f]{64}$/);
    assert.equal(headers['X-Gamut-Agent'], 'demo-agent');
  });

  test('verbatim in the path is refused', () => {
    refused('target', () => signatureHeaders(IDENTITY, 'GET', `/providers/crm/r/${SECRET}`));
  });

  test('every character percent-encoded in the path is refused', () => {
    refused('target', () => signatureHeaders(IDENTITY, 'GET', `/providers/crm/r/${encodeEveryCharacter(SECRET)}`));
  });

  test('percent-encoded twice in the path is refused', () => {
    refused('target', () => signatureHeaders(IDENTITY, 'GET', `/providers/crm/r/${encodeEveryCharacter(SECRET).replaceAll('%', '%25')}`));
  });

  test('in the query is refused', () => {
    refused('target', () => signatureHeaders(IDENTITY, 'GET', `/providers/crm/search?q=${encodeEveryCharacter(SECRET)}`));
  });

  test("in the query with '+' for a space is refused", () => {
    const identity = { ...IDENTITY, secret: 'demo secret with spaces 0123456789' };
    assert.throws(() => signatureHeaders(identity, 'GET', '/providers/crm/search?q=demo+secret+with+spaces+0123456789'), GamutSecretMaterialError);
  });

  test('in the body is refused', () => {
    refused('body', () => signatureHeaders(IDENTITY, 'POST', '/providers/crm/notes', bytes(`note=${SECRET}`)));
  });

  test('JSON-escaped in the body is refused', () => {
    const escaped = [...SECRET].map((c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0')).join('');
    refused('body', () => signatureHeaders(IDENTITY, 'POST', '/providers/crm/notes', bytes(`{"note":"${escaped}"}`)));
  });

  test('in a header is refused', () => {
    refused('header:x-debug', () => signatureHeaders(IDENTITY, 'GET', '/providers/crm/contacts/42', undefined, Date.now(), { 'x-debug': `key=${SECRET}` }));
  });
});

describe('GamutClient.fetch: the agent secret', () => {
  const sent = [];
  const gamut = new GamutClient({ baseUrl: 'http://127.0.0.1:8080', ...IDENTITY, fetch: async (...args) => { sent.push(args); return new Response('{}'); } });

  test('an ordinary request is signed and sent', async () => {
    await gamut.fetch('http://127.0.0.1:8080/providers/crm/contacts/42', { headers: { 'x-request-label': 'ordinary' } });
    assert.equal(sent.length, 1);
    assert.match(sent[0][1].headers.get('x-gamut-signature'), /^v1=/);
  });

  test('in the path is refused and nothing is sent', async () => {
    const before = sent.length;
    await assert.rejects(gamut.fetch(`http://127.0.0.1:8080/providers/crm/r/${SECRET}`), GamutSecretMaterialError);
    assert.equal(sent.length, before);
  });

  test('in a header is refused and nothing is sent', async () => {
    const before = sent.length;
    await assert.rejects(gamut.fetch('http://127.0.0.1:8080/providers/crm/contacts/42', { headers: { 'x-debug': SECRET } }),
      (error) => error instanceof GamutSecretMaterialError && error.findings[0].path === 'header:x-debug');
    assert.equal(sent.length, before);
  });
});
