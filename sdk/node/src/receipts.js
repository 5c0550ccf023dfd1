// Offline verification of the gateway's signed decision receipts (docs/evidence.md): a compact JWS, ES256, typ
// "gamut-receipt+jws", signed by a key of the gateway's JWKS (/.well-known/gamut-receipt-keys.json). Public keys only:
// no gateway, no secret. The algorithm is always ES256 (the token's header is compared, never obeyed).
import { createHash, createPublicKey, verify } from 'node:crypto';

export const RECEIPT_TYPE = 'gamut-receipt+jws';

/** A receipt that does not verify; `code` is one of malformed, unsupported_algorithm, wrong_type, unknown_key, bad_signature, invalid_claims. */
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
  const header = decodeObject(parts[0]);
  const payload = decodeObject(parts[1]);
  const signature = decodePart(parts[2]);
  if (header === null || payload === null || signature === null) throw new ReceiptError('malformed');
  if (header.alg !== 'ES256' || 'crit' in header) throw new ReceiptError('unsupported_algorithm');
  if (header.typ !== type) throw new ReceiptError('wrong_type');
  const key = typeof header.kid === 'string' ? keyOf(jwks, header.kid) : null;
  if (key === null) throw new ReceiptError('unknown_key');
  const ok = signature.length === 64
    && verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`, 'ascii'), { key, dsaEncoding: 'ieee-p1363' }, signature);
  if (!ok) throw new ReceiptError('bad_signature');
  return payload;
}

const REQUIRED_STRINGS = ['tenant', 'replica', 'request_id', 'agent', 'decision', 'leaf_hash', 'record_hash'];

/**
 * Verifies a decision receipt offline with the gateway's JWKS (an object, as served at
 * /.well-known/gamut-receipt-keys.json). Returns the claims ({tenant, replica, request_id, agent, actor_chain?, tool?,
 * decision, intent_digest?, policy_digest?, leaf_index, leaf_hash, record_hash, iat, v}) or throws ReceiptError.
 */
export function verifyReceipt(receipt, jwks) {
  const claims = verifyEvidenceToken(receipt, jwks, RECEIPT_TYPE);
  const valid = claims.v === 1
    && REQUIRED_STRINGS.every((name) => typeof claims[name] === 'string')
    && Number.isInteger(claims.leaf_index) && Number.isInteger(claims.iat)
    && (claims.actor_chain === undefined || (Array.isArray(claims.actor_chain)
      && claims.actor_chain.every((a) => a && typeof a.kind === 'string' && typeof a.id === 'string')));
  if (!valid) throw new ReceiptError('invalid_claims');
  return claims;
}
