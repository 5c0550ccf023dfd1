// Signs requests exactly as docs/agent-protocol says, for use as a custom `fetch` by real clients.
import { createHash, createHmac, randomBytes } from 'node:crypto';

export const DEMO_AGENT = Object.freeze({
  tenant: 'demo',
  workspace: 'ws-demo',
  agent: 'demo-agent',
  // examples/bundle/secrets/demo-agent.secret (demo only).
  secret: 'demo-secret-do-not-use-in-production-0123456789',
});

export function freshNonce() {
  return randomBytes(24).toString('base64url'); // 32 chars of [A-Za-z0-9_-]
}

/**
 * The canonical string of the agent protocol: nine lines, and a tenth (the SHA-256 of the X-Gamut-Person header's
 * value) only when the request carries a person's identity token.
 */
export function canonicalString({ method, target, tenant, workspace, agent, timestamp, nonce, body, personToken }) {
  const bodyHash = createHash('sha256').update(body ?? new Uint8Array(0)).digest('hex');
  const lines = ['GAMUT-HMAC-SHA256-V1', method.toUpperCase(), target, tenant, workspace, agent, String(timestamp), nonce, bodyHash];
  if (personToken !== undefined) lines.push(createHash('sha256').update(personToken, 'utf8').digest('hex'));
  return lines.join('\n');
}

/** The X-Gamut-* headers for one request (with X-Gamut-Person, covered by the signature, when `personToken` is given). */
export function signatureHeaders(identity, method, target, body, personToken) {
  const timestamp = Math.floor(Date.now() / 1000);
  const nonce = freshNonce();
  const canonical = canonicalString({ method, target, ...identity, timestamp, nonce, body, personToken });
  const signature = 'v1=' + createHmac('sha256', Buffer.from(identity.secret, 'utf8')).update(canonical, 'utf8').digest('hex');
  return {
    ...(personToken === undefined ? {} : { 'X-Gamut-Person': personToken }),
    'X-Gamut-Tenant': identity.tenant,
    'X-Gamut-Workspace': identity.workspace,
    'X-Gamut-Agent': identity.agent,
    'X-Gamut-Timestamp': String(timestamp),
    'X-Gamut-Nonce': nonce,
    'X-Gamut-Signature': signature,
  };
}

/**
 * A fetch that signs every request it sends. The body is materialised first so that the hash covers
 * the exact bytes that go on the wire; the request target is the URL's path and query as sent.
 */
export function createSigningFetch(identity = DEMO_AGENT, { baseFetch = globalThis.fetch, onRequest } = {}) {
  return async function signingFetch(input, init = {}) {
    const request = new Request(input, init);
    const body = new Uint8Array(await request.arrayBuffer());
    const url = new URL(request.url);
    const target = url.pathname + url.search;
    const headers = new Headers(request.headers);
    for (const [name, value] of Object.entries(signatureHeaders(identity, request.method, target, body))) {
      headers.set(name, value);
    }
    onRequest?.({ method: request.method, target, headers });
    const hasBody = !['GET', 'HEAD'].includes(request.method.toUpperCase()) && body.length > 0;
    return baseFetch(url, {
      method: request.method,
      headers,
      body: hasBody ? body : undefined,
      signal: init.signal ?? undefined,
      redirect: request.redirect,
    });
  };
}
