// The shared cross-language vectors (tests/vectors/agent-protocol.json): the gateway and the three SDKs
// are tested against the same canonical strings, signatures and payloads.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { bodySha256, canonicalString, findSecretMaterial, sign } from '../src/index.js';
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

describe('shared vectors: secret material', () => {
  for (const v of vectors.refuse) {
    test(`refused: ${v.name}`, () => assert.deepEqual(findSecretMaterial(v.payload), v.findings));
  }
  for (const v of vectors.accept) {
    test(`accepted: ${v.name}`, () => assert.deepEqual(findSecretMaterial(v.payload), []));
  }
});
