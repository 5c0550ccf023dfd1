// verifyReceipt against the shared vectors (tests/vectors/evidence.json, receipts): the same receipts the gateway's
// .NET code and the other SDKs accept or refuse with the same codes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { ReceiptError, verifyEvidenceToken, verifyReceipt } from '../src/index.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

const vectors = JSON.parse(readFileSync(join(REPO_ROOT, 'tests', 'vectors', 'evidence.json'), 'utf8')).receipts;

describe('verifyReceipt: shared vectors', () => {
  for (const v of vectors.valid) {
    test(`verifies: ${v.name}`, () => {
      assert.deepEqual(verifyReceipt(v.receipt, vectors.jwks), v.claims);
    });
  }

  for (const v of vectors.invalid) {
    test(`refuses with ${v.error}: ${v.name}`, () => {
      assert.throws(() => verifyReceipt(v.receipt, vectors.jwks), (e) => e instanceof ReceiptError && e.code === v.error);
    });
  }

  test('a checkpoint verifies as a checkpoint', () => {
    assert.deepEqual(verifyEvidenceToken(vectors.checkpoint.checkpoint, vectors.jwks, 'gamut-checkpoint+jws'), vectors.checkpoint.claims);
  });

  test('a retired key removed from the JWKS no longer verifies its receipts', () => {
    const activeOnly = { keys: vectors.jwks.keys.slice(1) };
    assert.throws(() => verifyReceipt(vectors.valid[1].receipt, activeOnly), (e) => e.code === 'unknown_key');
  });
});
