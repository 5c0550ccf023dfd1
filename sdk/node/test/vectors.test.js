// The shared cross-language vectors (tests/vectors/agent-protocol.json): the gateway and the three SDKs
// are tested against the same canonical strings, signatures and payloads.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { RUN_HEADER, bodySha256, canonicalString, findSecretMaterial, sign, signatureHeaders } from '../src/index.js';
import { REPO_ROOT } from './support/gateway.js';

const vectors = JSON.parse(readFileSync(join(REPO_ROOT, 'tests', 'vectors', 'agent-protocol.json'), 'utf8'));

describe('shared vectors: signing', () => {
  for (const v of vectors.signing) {
    test(`canonical string and signature: ${v.name}`, () => {
      assert.equal(bodySha256(Buffer.from(v.body, 'utf8')), v.body_sha256);
      const canonical = canonicalString({ ...v, body: v.body });
      assert.equal(canonical, v.canonical);
      assert.equal(sign(v.secret, canonical), v.signature);
    });
  }
});

describe('shared vectors: signing for a person', () => {
  for (const v of vectors.person_signing) {
    test(`ten-line canonical string and signature: ${v.name}`, () => {
      const canonical = canonicalString({ ...v, body: v.body, personToken: v.person });
      assert.equal(canonical, v.canonical);
      assert.equal(sign(v.secret, canonical), v.signature);
      assert.equal(sign(v.secret, canonicalString({ ...v, body: v.body })), v.signature_without_person);
    });
  }
});

describe('shared vectors: signing in a run', () => {
  for (const v of vectors.run_signing.v1) {
    test(`the run as the last canonical line: ${v.name}`, () => {
      const parts = { ...v, body: v.body, personToken: v.person };
      const canonical = canonicalString({ ...parts, runId: v.run });
      assert.equal(canonical, v.canonical);
      assert.equal(sign(v.secret, canonical), v.signature);
      assert.equal(sign(v.secret, canonicalString(parts)), v.signature_without_run);
    });
  }

  test('signatureHeaders sends X-Gamut-Run and signs its line last', () => {
    const v = vectors.run_signing.v1.find((r) => r.person !== undefined);
    const identity = { tenant: v.tenant, workspace: v.workspace, agentId: v.agent, secret: v.secret };
    const body = Buffer.from(v.body, 'utf8');
    const headers = signatureHeaders(identity, v.method, v.target, body, Number(v.timestamp) * 1000, undefined, v.person, v.run);
    assert.equal(headers[RUN_HEADER], v.run);
    const canonical = canonicalString({ ...v, body, personToken: v.person, runId: v.run, nonce: headers['X-Gamut-Nonce'] });
    assert.equal(headers['X-Gamut-Signature'], sign(v.secret, canonical));
    assert.equal(signatureHeaders(identity, v.method, v.target, body, Date.now(), undefined, v.person)[RUN_HEADER], undefined);
  });
});

describe('shared vectors: secret material', () => {
  for (const v of vectors.refuse) {
    test(`refused: ${v.name}`, () => assert.deepEqual(findSecretMaterial(v.payload), v.findings));
  }
  for (const v of vectors.accept) {
    test(`accepted: ${v.name}`, () => assert.deepEqual(findSecretMaterial(v.payload), []));
  }
});
