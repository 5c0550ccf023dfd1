// The agent protocol's request signatures: the nine-line canonical string and v1= HMAC-SHA256 (an agent with a
// secret), or the RFC 9421 profile (an agent registered with a public key). A request acting for a person carries their
// identity token in X-Gamut-Person, covered by the signature: a tenth v1 canonical line (the token's SHA-256), or the
// RFC 9421 component x-gamut-person. A request that belongs to a run carries its id in X-Gamut-Run, covered too: the v1
// canonical string's last line (after the person's), or the RFC 9421 component x-gamut-run (after the person's).
import { KeyObject, createHash, createHmac, createPrivateKey, randomBytes, sign as cryptoSign } from 'node:crypto';
import { GamutConfigurationError, GamutSecretMaterialError } from './errors.js';

export const SCHEME = 'GAMUT-HMAC-SHA256-V1';

/** The header carrying the identity token of the person the agent acts for (a protocol extension). */
export const PERSON_HEADER = 'X-Gamut-Person';

/** The header carrying the id of the run a request belongs to (a protocol extension; docs/runs.md). */
export const RUN_HEADER = 'X-Gamut-Run';

const present = (value) => value !== undefined && value !== null;

/** The longest person's token sent (the gateway's own limit, MaxTokenLength of its person options, is 16384 by default). */
export const MAX_PERSON_TOKEN_LENGTH = 65_536;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/**
 * `personToken` when it is a compact JWS (three base64url parts, the only shape the gateway accepts) of at most
 * MAX_PERSON_TOKEN_LENGTH characters; else GamutConfigurationError (code configuration_refused), whose message does not
 * repeat the value: it is an identity token, and a CR/LF in it would otherwise reach the request's headers.
 */
export function checkPersonToken(personToken) {
  if (typeof personToken !== 'string' || personToken.length > MAX_PERSON_TOKEN_LENGTH || !COMPACT_JWS.test(personToken)) {
    throw new GamutConfigurationError(`A person's identity token must be a compact JWS (three base64url parts) of at most ${MAX_PERSON_TOKEN_LENGTH} characters; the one given is not (it is not repeated here). Nothing was sent.`);
  }
  return personToken;
}

/** The extension headers a signature covers: the person's token and the run, when there are. */
function identityExtensions(personToken, runId) {
  return { ...(present(personToken) ? { [PERSON_HEADER]: personToken } : {}), ...(present(runId) ? { [RUN_HEADER]: runId } : {}) };
}

/** Lowercase hex SHA-256 of the body bytes (of the empty string when there is no body). */
export function bodySha256(body) {
  return createHash('sha256').update(body ?? new Uint8Array(0)).digest('hex');
}

/**
 * The nine lines joined by `\n`, no trailing newline. `body` is the exact bytes (or UTF-8 text) sent. With
 * `personToken` (the X-Gamut-Person value), a tenth line: its lowercase hex SHA-256. With `runId` (the X-Gamut-Run
 * value), one more line, last: the run id itself.
 */
export function canonicalString({ method, target, tenant, workspace, agent, timestamp, nonce, body, personToken, runId }) {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const lines = [SCHEME, method.toUpperCase(), target, tenant, workspace, agent, String(timestamp), nonce, bodySha256(bytes)];
  if (present(personToken)) lines.push(bodySha256(Buffer.from(personToken, 'utf8')));
  if (present(runId)) lines.push(runId);
  return lines.join('\n');
}

/** `v1=` + lowercase hex HMAC-SHA256(UTF-8 bytes of the secret, canonical string). */
export function sign(secret, canonical) {
  return 'v1=' + createHmac('sha256', Buffer.from(secret, 'utf8')).update(canonical, 'utf8').digest('hex');
}

/** A fresh nonce: 32 characters of [A-Za-z0-9_-] from 24 random bytes. */
export function freshNonce() {
  return randomBytes(24).toString('base64url');
}

/**
 * The six X-Gamut-* headers for one request. Throws `GamutSecretMaterialError` (findings `{path: 'target' | 'body' |
 * 'header:<name>', kind: 'agent_secret'}`, never the value), before anything is signed, when the agent's own secret
 * appears in the request: in `target` verbatim or after percent-decoding repeatedly until nothing changes (in the
 * query also with '+' read as a space), in `body` as UTF-8 bytes or, for a JSON body, in a string once its escapes
 * are undone, or in the value of one of `headers` (the other headers to be sent, a `Headers` or plain object, when
 * the caller has them). With `personToken`, the person's identity token is sent in X-Gamut-Person and covered by
 * the signature (a tenth canonical line); one that is not a compact JWS throws GamutConfigurationError (`checkPersonToken`).
 * With `runId`, the run in X-Gamut-Run (the last canonical line).
 */
export function signatureHeaders({ tenant, workspace, agentId, secret }, method, target, body, now = Date.now(), headers = undefined, personToken = undefined, runId = undefined) {
  if (present(personToken)) checkPersonToken(personToken);
  const findings = agentSecretFindings(secret, target, body, headers);
  if (findings.length > 0) throw new GamutSecretMaterialError(findings);
  const timestamp = Math.floor(now / 1000);
  const nonce = freshNonce();
  const canonical = canonicalString({ method, target, tenant, workspace, agent: agentId, timestamp, nonce, body, personToken, runId });
  return {
    ...identityExtensions(personToken, runId),
    'X-Gamut-Tenant': tenant,
    'X-Gamut-Workspace': workspace,
    'X-Gamut-Agent': agentId,
    'X-Gamut-Timestamp': String(timestamp),
    'X-Gamut-Nonce': nonce,
    'X-Gamut-Signature': sign(secret, canonical),
  };
}

function decodesTo(text, secret, plus) {
  for (;;) {
    if (plus) text = text.replaceAll('+', ' ');
    if (text.includes(secret)) return true;
    const decoded = text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => Buffer.from(run.replaceAll('%', ''), 'hex').toString('utf8'));
    if (decoded === text) return false;
    text = decoded;
  }
}

function inJson(body, secret) {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(body);
    JSON.parse(text); // valid JSON: then every string literal (keys and values, duplicates included) matches below
    return (text.match(/"(?:[^"\\]|\\.)*"/g) ?? []).some((literal) => JSON.parse(literal).includes(secret));
  } catch {
    return false;
  }
}

/** Where the agent's own secret appears in a request (see `signatureHeaders`): 'target', 'body' or 'header:<name>'. */
function agentSecretFindings(secret, target, body, headers) {
  if (!secret) return [];
  const findings = [];
  const query = target.includes('?') ? target.slice(target.indexOf('?') + 1) : '';
  if (decodesTo(target, secret, false) || decodesTo(query, secret, true)) findings.push({ path: 'target', kind: 'agent_secret' });
  const raw = Buffer.from(body ?? new Uint8Array(0));
  if (raw.includes(Buffer.from(secret, 'utf8')) || (raw.includes(0x5c) && inJson(raw, secret))) findings.push({ path: 'body', kind: 'agent_secret' });
  const entries = headers instanceof Headers || headers instanceof Map ? headers : Object.entries(headers ?? {});
  for (const [name, value] of entries) if (String(value).includes(secret)) findings.push({ path: `header:${name}`, kind: 'agent_secret' });
  return findings;
}

// ---- RFC 9421: an agent registered with a public key signs with its private key instead of a secret ----

/** The components every RFC 9421 signature covers, in this order (docs/identity.md, "Asymmetric agent keys"). */
export const MESSAGE_SIGNATURE_COMPONENTS = Object.freeze(['@method', '@target-uri', 'content-digest', 'x-gamut-tenant', 'x-gamut-workspace', 'x-gamut-agent']);

/** The component covered after those six when a request acts for a person: X-Gamut-Person's value, as sent. */
export const PERSON_COMPONENT = 'x-gamut-person';

/** The component covered last when a request belongs to a run: X-Gamut-Run's value. */
export const RUN_COMPONENT = 'x-gamut-run';

function coveredComponents(personToken, runId) {
  return [...MESSAGE_SIGNATURE_COMPONENTS, ...(present(personToken) ? [PERSON_COMPONENT] : []), ...(present(runId) ? [RUN_COMPONENT] : [])];
}

const DIGESTS = { 'sha-256': 'sha256', 'sha-512': 'sha512' };

/** RFC 9530 Content-Digest of the body bytes: `sha-256=:<base64>:` (and `, sha-512=:…:` when asked). */
export function contentDigest(body, algorithms = ['sha-256']) {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : (body ?? new Uint8Array(0));
  return algorithms.map((a) => `${a}=:${createHash(DIGESTS[a]).update(bytes).digest('base64')}:`).join(', ');
}

/**
 * The signature's parameters as RFC 8941 serialises them: Signature-Input's value and the base's last line. The
 * covered components are the six, then `x-gamut-person` with `personToken`, then `x-gamut-run` with `runId`.
 */
export function signatureParams({ created, nonce, keyId, alg, personToken, runId }) {
  return `(${coveredComponents(personToken, runId).map((c) => `"${c}"`).join(' ')});created=${created};nonce="${nonce}";keyid="${keyId}";alg="${alg}"`;
}

/**
 * The RFC 9421 §2.5 signature base: one `"name": value` line per component, then `"@signature-params": …`. With
 * `personToken` (X-Gamut-Person's value), its line `"x-gamut-person": <token>` follows the six; with `runId`
 * (X-Gamut-Run's), `"x-gamut-run": <run id>` comes last.
 */
export function signatureBase({ method, targetUri, contentDigest: digest, tenant, workspace, agent, created, nonce, keyId, alg, personToken, runId }) {
  const values = [method, targetUri, digest, tenant, workspace, agent, ...[personToken, runId].filter(present)];
  const lines = coveredComponents(personToken, runId).map((c, i) => `"${c}": ${values[i]}`);
  lines.push(`"@signature-params": ${signatureParams({ created, nonce, keyId, alg, personToken, runId })}`);
  return lines.join('\n');
}

/**
 * An agent's private key, from a `KeyObject`, PEM (PKCS#8) or base64 of PKCS#8 DER: `{ key, alg }` with `alg`
 * `ed25519` or `ecdsa-p256-sha256`. Any other kind of key is refused.
 */
export function agentPrivateKey(privateKey) {
  let key = privateKey;
  if (!(key instanceof KeyObject)) {
    const text = String(key).trim();
    key = text.startsWith('-----BEGIN')
      ? createPrivateKey(text)
      : createPrivateKey({ key: Buffer.from(text, 'base64'), format: 'der', type: 'pkcs8' });
  }
  if (key.type !== 'private') throw new TypeError('The agent key must be a private key.');
  if (key.asymmetricKeyType === 'ed25519') return { key, alg: 'ed25519' };
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return { key, alg: 'ecdsa-p256-sha256' };
  throw new TypeError('The agent key must be an Ed25519 or an ECDSA P-256 private key.');
}

/** The signature of `base` (UTF-8) under the agent key: Ed25519, or ECDSA P-256 SHA-256 as r||s (64 bytes). */
export function signMessage({ key, alg }, base) {
  const data = Buffer.from(base, 'utf8');
  return alg === 'ed25519' ? cryptoSign(null, data, key) : cryptoSign('sha256', data, { key, dsaEncoding: 'ieee-p1363' });
}

/**
 * The six headers of an RFC 9421 request for an agent registered with a public key: X-Gamut-Tenant, -Workspace,
 * -Agent, Content-Digest, Signature-Input and Signature (label sig1). `targetUri` is the absolute URL sent to. With
 * `personToken`, the person's identity token is sent in X-Gamut-Person and covered by the signature (x-gamut-person;
 * one that is not a compact JWS throws GamutConfigurationError); with `runId`, the run in X-Gamut-Run (x-gamut-run).
 */
export function messageSignatureHeaders({ tenant, workspace, agentId, agentKey, keyId }, method, targetUri, body, now = Date.now(), personToken = undefined, runId = undefined) {
  if (present(personToken)) checkPersonToken(personToken);
  const digest = contentDigest(body);
  const params = { created: Math.floor(now / 1000), nonce: freshNonce(), keyId, alg: agentKey.alg, personToken, runId };
  const base = signatureBase({ method: method.toUpperCase(), targetUri, contentDigest: digest, tenant, workspace, agent: agentId, ...params });
  return {
    ...identityExtensions(personToken, runId),
    'X-Gamut-Tenant': tenant,
    'X-Gamut-Workspace': workspace,
    'X-Gamut-Agent': agentId,
    'Content-Digest': digest,
    'Signature-Input': `sig1=${signatureParams(params)}`,
    Signature: `sig1=:${signMessage(agentKey, base).toString('base64')}:`,
  };
}
