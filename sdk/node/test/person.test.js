// Acting for a person with the Node SDK against the REAL gateway: the person's identity token rides in X-Gamut-Person,
// covered by the signature. The suite's tenant declares no OpenID provider, so the gateway — having verified the
// signature over the ten lines — refuses the token itself (person_token_invalid), never the signature.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GamutAuthenticationError, GamutClient, GamutConfigurationError, PERSON_HEADER } from '../src/index.js';
import { rejection, useGateway } from './support/gateway.js';

const PERSON_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJlcmluIn0.c2lnbmF0dXJl';

describe('acting for a person', () => {
  const suite = useGateway(GamutClient);

  test('forPerson: every call carries the signed token, and the gateway checks the token itself', async () => {
    const erin = suite.gamut.forPerson(PERSON_TOKEN);
    const error = await rejection(erin.evaluate('crm.read_contact', { id: '7' }), GamutAuthenticationError);
    assert.equal(error.code, 'person_token_invalid');
    assert.equal(erin.personToken, PERSON_TOKEN);
    assert.equal(suite.gamut.personToken, undefined);
  });

  test('personToken per call on invokeTool is sent and signed; nothing is forwarded', async () => {
    const before = suite.env.upstream.requests.length;
    const error = await rejection(suite.gamut.invokeTool('crm.read_contact', { id: '7' }, { personToken: PERSON_TOKEN }), GamutAuthenticationError);
    assert.equal(error.code, 'person_token_invalid');
    assert.equal(suite.env.upstream.requests.length, before);
  });

  test('the signing fetch covers an X-Gamut-Person header set by the caller', async () => {
    const response = await suite.gamut.fetch(`${suite.gamut.baseUrl}/v1/evaluate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [PERSON_HEADER]: PERSON_TOKEN },
      body: JSON.stringify({ tool: 'crm.read_contact', args: { id: '7' } }),
    });
    assert.equal(response.status, 401);
    assert.equal((await response.json()).code, 'person_token_invalid');
  });

  test('the agent alone is unaffected, and an empty token is refused', async () => {
    const decision = await suite.gamut.evaluate('crm.read_contact', { id: '7' });
    assert.equal(decision.decision, 'allow');
    assert.throws(() => suite.gamut.forPerson(' '), GamutConfigurationError);
  });
});
