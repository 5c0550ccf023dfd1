// A person's token that is not a compact JWS (three base64url parts, the only shape the gateway accepts) is refused
// before anything is sent, as configuration (GamutConfigurationError, code configuration_refused) and without repeating
// it: given to forPerson, per call, as an X-Gamut-Person header a provider-native client sets, or to the signing
// functions. A stand-in gateway (a real local server) counts what reaches it.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { GamutClient, GamutConfigurationError, PERSON_HEADER, signatureHeaders } from '../src/index.js';

const IDENTITY = { tenant: 'demo', workspace: 'ws-demo', agentId: 'demo-agent', secret: 'demo-secret-do-not-use-in-production-0123456789' };
const VALID = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJlcmluIn0.c2lnbmF0dXJl';
const NOT_COMPACT_JWS = [
  ['CR/LF and a header line', `${VALID}\r\nX-Injected: 1`],
  ['a trailing newline', `${VALID}\n`],
  ['a leading tab', `\t${VALID}`],
  ['two parts', 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJlcmluIn0'],
  ['four parts', 'eyJhbGci.eyJzdWIi.c2ln.bmF0'],
  ['a space', 'eyJhbGci.eyJ zdWIi.c2lnbmF0dXJl'],
  ['a non-ASCII letter', 'eyJhbGci.eyJzdWIi.c2lnbmF0dXJl\u00e9'],
  ['over 65536 characters', `eyJhbGci.${'a'.repeat(70_000)}.c2ln`],
  ['whitespace only', ' '],
  ['the empty string', ''],
];

function refusedWithoutTheToken(token) {
  return (error) => error instanceof GamutConfigurationError && error.code === 'configuration_refused'
    && /compact JWS/.test(error.message) && (token.trim() === '' || !error.message.includes(token.trim()));
}

describe('a person\'s token that is not a compact JWS', () => {
  let server;
  let gamut;
  let received = 0;

  before(async () => {
    server = createServer((req, res) => {
      received += 1;
      req.resume();
      req.on('end', () => { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{"decision":"allow","invoked":false}'); });
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    gamut = new GamutClient({ baseUrl: `http://127.0.0.1:${server.address().port}`, ...IDENTITY });
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  for (const [shape, token] of NOT_COMPACT_JWS) {
    test(`forPerson refuses a token with ${shape} without repeating it`, () => {
      assert.throws(() => gamut.forPerson(token), refusedWithoutTheToken(token));
    });

    test(`evaluate with a personToken with ${shape} is refused before sending`, async () => {
      const before = received;
      await assert.rejects(gamut.evaluate('crm.read_contact', { id: '7' }, { personToken: token }), refusedWithoutTheToken(token));
      assert.equal(received, before);
    });
  }

  test('forPerson refuses a token that is not a string', () => {
    for (const token of [undefined, null, 42, {}]) assert.throws(() => gamut.forPerson(token), GamutConfigurationError);
  });

  test('invokeTool with a CR/LF personToken is refused before sending', async () => {
    const token = `${VALID}\r\nX-Injected: 1`;
    const before = received;
    await assert.rejects(gamut.invokeTool('crm.read_contact', { id: '7' }, { personToken: token }), refusedWithoutTheToken(token));
    assert.equal(received, before);
  });

  test('the signing fetch refuses a caller-set X-Gamut-Person with CR/LF before sending', async () => {
    const token = `${VALID}\r\nX-Injected: 1`;
    const before = received;
    for (const headers of [{ 'content-type': 'application/json', [PERSON_HEADER]: token }, [['x-gamut-person', token]]]) {
      await assert.rejects(gamut.fetch(`${gamut.baseUrl}/v1/evaluate`, { method: 'POST', headers, body: '{}' }), refusedWithoutTheToken(token));
    }
    assert.equal(received, before);
  });

  test('the signing fetch refuses a caller-set X-Gamut-Person that is not a compact JWS', async () => {
    const before = received;
    await assert.rejects(gamut.fetch(`${gamut.baseUrl}/v1/evaluate`, { method: 'POST', headers: new Headers({ [PERSON_HEADER]: 'a b.c.d' }), body: '{}' }),
      refusedWithoutTheToken('a b.c.d'));
    assert.equal(received, before);
  });

  test('signatureHeaders refuses a personToken with CR/LF', () => {
    const token = `${VALID}\nX-Injected: 1`;
    assert.throws(() => signatureHeaders({ ...IDENTITY, agentId: IDENTITY.agentId }, 'POST', '/v1/evaluate', Buffer.from('{}'), Date.now(), undefined, token),
      refusedWithoutTheToken(token));
  });

  test('a compact JWS is sent', async () => {
    let seen;
    const before = received;
    server.once('request', (req) => { seen = req.headers['x-gamut-person']; });
    await assert.rejects(gamut.forPerson(VALID).evaluate('crm.read_contact', { id: '7' })); // the stand-in's answer carries no decision token
    assert.equal(received, before + 1);
    assert.equal(seen, VALID);
  });
});
