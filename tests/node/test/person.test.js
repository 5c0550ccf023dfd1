// Acting for a person against the REAL gateway binary and a REAL OpenID provider (oidc-provider) on loopback: the
// person signs in at the provider, the agent sends their ID token in X-Gamut-Person (covered by its signature), and a
// connector that acts for a person gets, by RFC 8693 token exchange at the provider, a token scoped to that person —
// which reaches the upstream and never the agent.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { SignJWT, generateKeyPair } from 'jose';
import { startGateway } from '../lib/gateway.js';
import { DEMO_AGENT, signatureHeaders } from '../lib/signing.js';
import { AGENT_APP, GATEWAY_CLIENT, startOidcProvider } from '../lib/oidc.js';

const CRM_AUDIENCE = 'https://crm.example.com/api';
const CONTACTS = '    http: { method: GET, path: "/contacts/{id}", args: query }';

/** An upstream on loopback that records every request and answers a contact. */
async function startRecordingUpstream() {
  const received = [];
  const server = createServer((req, res) => {
    received.push({ method: req.method, url: req.url, headers: { ...req.headers } });
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 'c-1', name: 'Ada' }));
  });
  await new Promise((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    received,
    close: () => new Promise((resolveClose) => { server.closeAllConnections?.(); server.close(() => resolveClose()); }),
  };
}

describe('acting for a person (oidc-provider, token exchange)', () => {
  let op;
  let upstream;
  let gateway;

  before(async () => {
    op = await startOidcProvider({ refuse: (sub) => sub === 'mallory' });
    upstream = await startRecordingUpstream();
    gateway = await startGateway({
      upstreams: { 'http://127.0.0.1:9110': upstream.url },
      env: { OIDC_CLIENT_SECRET: op.gatewaySecret },
      edit: (text) => text
        .replace('workspaces: [ws-demo]\n', `workspaces: [ws-demo]\nopenid_provider:\n  issuer: "${op.issuer}"\n  audiences: [${AGENT_APP}]\n  client_id: ${GATEWAY_CLIENT}\n  client_secret: env:OIDC_CLIENT_SECRET\n`)
        .replace(CONTACTS, `    person: { credential: token_exchange, audience: "${CRM_AUDIENCE}", scope: crm.read }\n${CONTACTS}`),
    });
  });

  after(async () => {
    await gateway?.stop();
    await upstream?.close();
    await op?.close();
  });

  /** POST /v1/actions/invoke-tool crm.read_contact as the demo agent, for the person whose ID token is given (if any). */
  async function readContact(personToken) {
    const target = '/v1/actions/invoke-tool';
    const body = Buffer.from(JSON.stringify({ tool: 'crm.read_contact', args: { id: 'c-1' } }));
    const response = await fetch(gateway.baseUrl + target, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signatureHeaders(DEMO_AGENT, 'POST', target, body, personToken) },
      body,
    });
    return { status: response.status, headers: response.headers, text: await response.text() };
  }

  test('the person-scoped token from the exchange reaches the upstream, and never the agent', async () => {
    const idToken = await op.signIn('erin', ['staff']);
    const before = upstream.received.length;

    const answer = await readContact(idToken);

    assert.equal(answer.status, 200, answer.text);
    const sent = upstream.received.slice(before);
    assert.equal(sent.length, 1);
    const authorization = sent[0].headers.authorization;
    assert.match(authorization, /^Bearer \S+$/);
    const upstreamToken = authorization.slice('Bearer '.length);

    // The provider issued it by token exchange, to the gateway's client, for erin and the connector's audience.
    const exchange = op.exchanges.find((e) => e.token === upstreamToken);
    assert.ok(exchange, 'the upstream token was issued by the token exchange');
    assert.deepEqual({ subject: exchange.subject, audience: exchange.audience, scope: exchange.scope, client: exchange.client },
      { subject: 'erin', audience: CRM_AUDIENCE, scope: 'crm.read', client: GATEWAY_CLIENT });
    const stored = await op.provider.AccessToken.find(upstreamToken);
    assert.equal(stored.accountId, 'erin');
    assert.equal(stored.aud, CRM_AUDIENCE);

    // The agent's answer carries the contact, never the token; the upstream never saw the person's ID token.
    assert.ok(!answer.text.includes(upstreamToken));
    for (const [, value] of answer.headers) assert.ok(!value.includes(upstreamToken));
    assert.equal(JSON.parse(answer.text).result.name, 'Ada');
    assert.ok(!JSON.stringify(sent[0].headers).includes(idToken));
    assert.equal(sent[0].headers['x-gamut-person'], undefined);
  });

  test('the exchanged token is reused for the same person and audience until it nears expiry', async () => {
    const idToken = await op.signIn('grace', ['staff']);
    const exchangesBefore = op.exchanges.filter((e) => e.subject === 'grace').length;

    const first = await readContact(idToken);
    const second = await readContact(await op.signIn('grace', ['staff']));

    assert.equal(first.status, 200, first.text);
    assert.equal(second.status, 200, second.text);
    assert.equal(op.exchanges.filter((e) => e.subject === 'grace').length, exchangesBefore + 1);
    const [a, b] = upstream.received.slice(-2).map((r) => r.headers.authorization);
    assert.equal(a, b);
  });

  test('without a person the connector is refused with person_required and nothing is forwarded', async () => {
    const before = upstream.received.length;

    const answer = await readContact(undefined);

    assert.equal(answer.status, 403, answer.text);
    assert.equal(JSON.parse(answer.text).code, 'person_required');
    assert.equal(upstream.received.length, before);
  });

  test('an exchange the provider refuses is person_token_exchange_failed and nothing is forwarded', async () => {
    const before = upstream.received.length;

    const answer = await readContact(await op.signIn('mallory'));

    assert.equal(answer.status, 403, answer.text);
    assert.equal(JSON.parse(answer.text).code, 'person_token_exchange_failed');
    assert.equal(upstream.received.length, before);
  });

  test('a token signed by another key under the provider\'s name is refused before anything is exchanged', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT({ groups: ['admins'] })
      .setProtectedHeader({ alg: 'RS256', kid: 'person-rs256' })
      .setIssuer(op.issuer).setAudience(AGENT_APP).setSubject('erin').setIssuedAt().setExpirationTime('5m')
      .sign(privateKey);
    const exchanges = op.exchanges.length;

    const answer = await readContact(forged);

    assert.equal(answer.status, 401, answer.text);
    assert.equal(JSON.parse(answer.text).code, 'person_token_invalid');
    assert.equal(op.exchanges.length, exchanges);
  });
});
