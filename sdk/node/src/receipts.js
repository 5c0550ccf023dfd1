// Offline verification of the gateway's signed decision receipts (docs/evidence.md). The gateway signs the receipts of
// one audit group together: a compact JWS, ES256, typ "gamut-receipt-batch+jws", signs the RFC 6962 Merkle root of the
// group's claims, and each receipt is "signed-root~base64url(claims)~base64url(audit path)". Receipts issued before
// batching (a compact JWS of the claims, typ "gamut-receipt+jws") still verify. Public keys only, from the gateway's
// JWKS (/.well-known/gamut-receipt-keys.json): no gateway, no secret. The algorithm is always ES256 (the token's header
// is compared, never obeyed).
import { createHash, createPublicKey, verify } from 'node:crypto';

export const RECEIPT_TYPE = 'gamut-receipt+jws';
export const RECEIPT_BATCH_TYPE = 'gamut-receipt-batch+jws';

/**
 * A receipt that does not verify; `code` is one of malformed, unsupported_algorithm, wrong_type, unknown_key,
 * bad_signature, invalid_claims, not_in_batch (the batch's signature holds but the claims or their path do not lead to it).
 */
export class ReceiptError extends Error {
  constructor(code, message) {
    super(message ?? `receipt refused: ${code}`);
    this.name = 'ReceiptError';
    this.code = code;
  }
}

const B64URL = /^[A-Za-z0-9_-]+$/;

function decodePart(part) {
  if (typeof part !== 'string' || part.length === 0 || !B64URL.test(part)) return null;
  const bytes = Buffer.from(part, 'base64url');
  return bytes.toString('base64url') === part ? bytes : null;
}

function decodeObject(part) {
  const bytes = decodePart(part);
  if (bytes === null) return null;
  try {
    const value = JSON.parse(bytes.toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : null;
  } catch {
    return null;
  }
}

// RFC 7638 thumbprint of an EC P-256 key: the kid the gateway gives it.
function thumbprint(jwk) {
  const canonical = `{"crv":"P-256","kty":"EC","x":"${jwk.x}","y":"${jwk.y}"}`;
  return createHash('sha256').update(canonical, 'utf8').digest('base64url');
}

function keyOf(jwks, kid) {
  const keys = jwks && Array.isArray(jwks.keys) ? jwks.keys : null;
  if (keys === null) throw new ReceiptError('unknown_key', 'the JWKS has no keys array');
  const jwk = keys.find((k) => k && k.kty === 'EC' && k.crv === 'P-256' && k.kid === kid);
  if (!jwk || typeof jwk.x !== 'string' || typeof jwk.y !== 'string' || thumbprint(jwk) !== kid) return null;
  return createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }, format: 'jwk' });
}

/** Verifies a compact JWS of the gateway's receipt keys; returns its payload or throws ReceiptError. */
export function verifyEvidenceToken(token, jwks, type) {
  const parts = typeof token === 'string' && token.length <= 16384 ? token.split('.') : [];
  if (parts.length !== 3) throw new ReceiptError('malformed');
  return verifyJwsParts(parts, jwks, type);
}

/**
 * Verifies a JWS's three base64url parts (a detached payload given as its encoding) under the gateway's receipt keys:
 * ES256 only, the header's `typ` must be `type`, its `kid` a key of the JWKS. Returns the payload or throws ReceiptError.
 */
export function verifyJwsParts([protectedPart, payloadPart, signaturePart], jwks, type) {
  const header = decodeObject(protectedPart);
  const payload = decodeObject(payloadPart);
  const signature = decodePart(signaturePart);
  if (header === null || payload === null || signature === null) throw new ReceiptError('malformed');
  if (header.alg !== 'ES256' || 'crit' in header) throw new ReceiptError('unsupported_algorithm');
  if (header.typ !== type) throw new ReceiptError('wrong_type');
  const key = typeof header.kid === 'string' ? keyOf(jwks, header.kid) : null;
  if (key === null) throw new ReceiptError('unknown_key');
  const ok = signature.length === 64
    && verify('sha256', Buffer.from(`${protectedPart}.${payloadPart}`, 'ascii'), { key, dsaEncoding: 'ieee-p1363' }, signature);
  if (!ok) throw new ReceiptError('bad_signature');
  return payload;
}

const REQUIRED_STRINGS = ['tenant', 'replica', 'request_id', 'agent', 'decision', 'leaf_hash', 'record_hash'];
const HASH = 32;

const leafHash = (bytes) => createHash('sha256').update(Buffer.from([0])).update(bytes).digest();
const nodeHash = (left, right) => createHash('sha256').update(Buffer.from([1])).update(left).update(right).digest();

// RFC 9162 section 2.1.3.2: whether path proves the leaf at index is in the tree of size leaves whose root is given.
function verifyInclusion(leaf, index, size, path, root) {
  if (index < 0 || index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of path) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && r.equals(root);
}

// A batched receipt: the signed root, then the claims' path to it. Returns the claims or throws ReceiptError.
function openBatched(receipt, jwks) {
  const parts = receipt.length <= 16384 ? receipt.split('~') : [];
  const claimBytes = parts.length === 3 ? decodePart(parts[1]) : null;
  const claims = claimBytes === null ? null : decodeObject(parts[1]);
  const pathBytes = parts.length === 3 && parts[2] === '' ? Buffer.alloc(0) : parts.length === 3 ? decodePart(parts[2]) : null;
  if (claims === null || pathBytes === null || pathBytes.length % HASH !== 0 || pathBytes.length > 16 * HASH) {
    throw new ReceiptError('malformed');
  }
  const statement = verifyEvidenceToken(parts[0], jwks, RECEIPT_BATCH_TYPE);
  const { size, root } = statement;
  if (statement.v !== 2 || !Number.isInteger(size) || size < 1 || size > 65536
    || typeof root !== 'string' || !/^[0-9a-f]{64}$/.test(root)
    || claims.v !== 2 || !Number.isInteger(claims.batch_index)) {
    throw new ReceiptError('invalid_claims');
  }
  const path = [];
  for (let offset = 0; offset < pathBytes.length; offset += HASH) path.push(pathBytes.subarray(offset, offset + HASH));
  if (!verifyInclusion(leafHash(claimBytes), claims.batch_index, size, path, Buffer.from(root, 'hex'))) {
    throw new ReceiptError('not_in_batch');
  }
  return claims;
}

/**
 * Verifies a decision receipt offline with the gateway's JWKS (an object, as served at
 * /.well-known/gamut-receipt-keys.json). Returns the claims ({tenant, replica, request_id, agent, actor_chain?, tool?,
 * decision, intent_digest?, policy_digest?, leaf_index, leaf_hash, record_hash, iat, v, and batch_index for a batched
 * receipt}) or throws ReceiptError.
 */
export function verifyReceipt(receipt, jwks) {
  const batched = typeof receipt === 'string' && receipt.includes('~');
  const claims = batched ? openBatched(receipt, jwks) : verifyEvidenceToken(receipt, jwks, RECEIPT_TYPE);
  const valid = claims.v === (batched ? 2 : 1)
    && REQUIRED_STRINGS.every((name) => typeof claims[name] === 'string')
    && Number.isInteger(claims.leaf_index) && Number.isInteger(claims.iat)
    && (claims.actor_chain === undefined || (Array.isArray(claims.actor_chain)
      && claims.actor_chain.every((a) => a && typeof a.kind === 'string' && typeof a.id === 'string')));
  if (!valid) throw new ReceiptError('invalid_claims');
  return claims;
}
