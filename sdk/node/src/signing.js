// The agent protocol's request signature: the nine-line canonical string and v1= HMAC-SHA256.
import { createHash, createHmac, randomBytes } from 'node:crypto';

export const SCHEME = 'GAMUT-HMAC-SHA256-V1';

/** Lowercase hex SHA-256 of the body bytes (of the empty string when there is no body). */
export function bodySha256(body) {
  return createHash('sha256').update(body ?? new Uint8Array(0)).digest('hex');
}

/** The nine lines joined by `\n`, no trailing newline. `body` is the exact bytes (or UTF-8 text) sent. */
export function canonicalString({ method, target, tenant, workspace, agent, timestamp, nonce, body }) {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return [SCHEME, method.toUpperCase(), target, tenant, workspace, agent, String(timestamp), nonce, bodySha256(bytes)].join('\n');
}

/** `v1=` + lowercase hex HMAC-SHA256(UTF-8 bytes of the secret, canonical string). */
export function sign(secret, canonical) {
  return 'v1=' + createHmac('sha256', Buffer.from(secret, 'utf8')).update(canonical, 'utf8').digest('hex');
}

/** A fresh nonce: 32 characters of [A-Za-z0-9_-] from 24 random bytes. */
export function freshNonce() {
  return randomBytes(24).toString('base64url');
}

/** The six X-Gamut-* headers for one request. */
export function signatureHeaders({ tenant, workspace, agentId, secret }, method, target, body, now = Date.now()) {
  const timestamp = Math.floor(now / 1000);
  const nonce = freshNonce();
  const canonical = canonicalString({ method, target, tenant, workspace, agent: agentId, timestamp, nonce, body });
  return {
    'X-Gamut-Tenant': tenant,
    'X-Gamut-Workspace': workspace,
    'X-Gamut-Agent': agentId,
    'X-Gamut-Timestamp': String(timestamp),
    'X-Gamut-Nonce': nonce,
    'X-Gamut-Signature': sign(secret, canonical),
  };
}
