import assert from 'node:assert/strict';
import { DEMO_AGENT } from './signing.js';

/** What an upstream may never see, and the decision token it must see. */
export function assertCleanUpstreamHeaders(headers, { forbiddenValues = [], tool } = {}) {
  const names = Object.keys(headers).map((n) => n.toLowerCase());
  assert.ok(!names.includes('x-gamut-signature'), `upstream saw X-Gamut-Signature: ${JSON.stringify(headers)}`);
  for (const [name, value] of Object.entries(headers)) {
    const text = Array.isArray(value) ? value.join(', ') : String(value);
    for (const forbidden of [DEMO_AGENT.secret, ...forbiddenValues]) {
      assert.ok(!text.includes(forbidden), `upstream header ${name} carries ${JSON.stringify(forbidden)}`);
    }
  }
  const token = headers['x-gamut-decision-token'];
  assert.ok(typeof token === 'string' && token.length > 0, `upstream saw no X-Gamut-Decision-Token: ${JSON.stringify(headers)}`);
  assert.match(token, /^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
  const payload = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
  assert.equal(payload.tid, DEMO_AGENT.tenant);
  assert.equal(payload.aid, DEMO_AGENT.agent);
  if (tool) assert.equal(payload.tool, tool);
  assert.ok(payload.exp > payload.iat && payload.exp - payload.iat <= 300, `token lifetime ${payload.exp - payload.iat}s`);
  return payload;
}

export async function assertProblem(response, status, code) {
  const text = await response.text();
  assert.equal(response.status, status, `expected ${status} ${code}, got ${response.status}: ${text}`);
  assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/);
  const problem = JSON.parse(text);
  assert.equal(problem.code, code, `problem: ${text}`);
  assert.ok(problem.request_id, `problem without request_id: ${text}`);
  return problem;
}

/** An OpenAI error object `{"error":{"message","type","param","code",…}}` with the gateway's code and request id. */
export async function assertOpenAIError(response, status, code) {
  const text = await response.text();
  assert.equal(response.status, status, `expected ${status} ${code}, got ${response.status}: ${text}`);
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
  const { error } = JSON.parse(text);
  assert.equal(error?.code, code, `error: ${text}`);
  assert.ok(error.message && error.type && 'param' in error, `not an OpenAI error object: ${text}`);
  assert.ok(error.request_id, `error without request_id: ${text}`);
  return error;
}
