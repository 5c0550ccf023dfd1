// The gateway's signature on the A2A agent card it serves (docs/a2a.md, "The route"): A2A 1.0 AgentCardSignature, a
// JWS (ES256, typ "JOSE") with a detached payload, the RFC 8785 canonical JSON of the card without its signatures,
// normalized as A2A 1.0 §8.4.1 says (the gateway's A2a/AgentCardSignatures.cs), signed with the gateway's receipt key.
// Checked with the receipts' own JWS code against the same key set, /.well-known/gamut-receipt-keys.json.
import { exchangeAs } from './client.js';
import { GamutCardSignatureError, GamutProtocolError } from './errors.js';
import { ReceiptError, verifyJwsParts } from './receipts.js';

export const CARD_SIGNATURE_TYPE = 'JOSE';
const KEYS_PATH = '/.well-known/gamut-receipt-keys.json';
const KEYS_LIFETIME_MS = 5 * 60_000; // the gateway serves its keys with max-age=300
const KEYS = new Map(); // baseUrl -> {jwks, fetchedAt}

// The members of an A2A 1.0 AgentCard: what a signature covers (0.3's url and the like are not).
const CARD_MEMBERS = new Set([
  'name', 'description', 'supportedInterfaces', 'provider', 'version', 'documentationUrl', 'capabilities',
  'securitySchemes', 'securityRequirements', 'defaultInputModes', 'defaultOutputModes', 'skills', 'iconUrl',
]);

/**
 * Verifies the gateway's signature on `card` with the gateway's receipt keys `jwks` (as served at
 * /.well-known/gamut-receipt-keys.json): one of its signatures must verify. Throws GamutCardSignatureError otherwise.
 */
export function verifyAgentCard(card, jwks) {
  const signatures = card !== null && typeof card === 'object' && Array.isArray(card.signatures) ? card.signatures : [];
  if (signatures.length === 0) throw new GamutCardSignatureError('The agent card carries no signature of the gateway\'s.', 'missing');
  const payload = Buffer.from(cardPayload(card), 'utf8').toString('base64url');
  let reason = 'malformed';
  for (const signature of signatures) {
    try {
      verifyJwsParts([signature?.protected, payload, signature?.signature], jwks, CARD_SIGNATURE_TYPE);
      return;
    } catch (error) {
      if (!(error instanceof ReceiptError)) throw error;
      reason = error.code;
    }
  }
  throw new GamutCardSignatureError(`No signature on the agent card verifies under the gateway's keys (${reason}).`, reason);
}

/** Verifies `card` as `client`'s gateway signed it: its keys fetched and kept five minutes, fetched again for a new key. */
export async function checkCardSignature(client, card, options) {
  const cached = KEYS.get(client.baseUrl);
  const fresh = cached !== undefined && Date.now() - cached.fetchedAt < KEYS_LIFETIME_MS;
  try {
    verifyAgentCard(card, fresh ? cached.jwks : await fetchKeys(client, options));
  } catch (error) {
    // A key the cached set lacks may be a rotation since: the keys are fetched once more.
    if (!(error instanceof GamutCardSignatureError) || error.reason !== 'unknown_key' || !fresh) throw error;
    verifyAgentCard(card, await fetchKeys(client, options));
  }
}

async function fetchKeys(client, options) {
  const { response, text } = await exchangeAs(client, 'GET', KEYS_PATH, undefined, options, 'application/jwk-set+json, application/json');
  let jwks;
  try { jwks = JSON.parse(text); } catch { jwks = undefined; }
  if (response.status !== 200 || !Array.isArray(jwks?.keys)) {
    throw new GamutProtocolError(`The gateway answered its receipt keys with ${response.status} and no key set; the agent card is not trusted.`);
  }
  KEYS.set(client.baseUrl, { jwks, fetchedAt: Date.now() });
  return jwks;
}

/**
 * `card` with only the members its signature covers, `url` (the gateway's route, which it writes) and `signatures`: a
 * member added on the way, signed by no one (`URL`, `Skills`, which a case-folding reader takes for url and skills), is
 * not handed on.
 */
export function signedMembers(card) {
  const kept = {};
  for (const [name, value] of Object.entries(card)) {
    if (CARD_MEMBERS.has(name) || name === 'url' || name === 'signatures') kept[name] = value;
  }
  return kept;
}

/** What a card signature covers: the card's A2A 1.0 members without protobuf defaults, as RFC 8785 canonical JSON. */
export function cardPayload(card) {
  const kept = {};
  for (const [name, value] of Object.entries(card)) {
    const member = CARD_MEMBERS.has(name) ? withoutDefaults(value) : undefined;
    if (member !== undefined) kept[name] = member;
  }
  return canonical(kept);
}

// A copy without the members whose value is a protobuf default (0, "", [], {}, null); false is kept.
function withoutDefaults(value) {
  if (value === null || value === undefined || value === '' || value === 0) return undefined;
  if (Array.isArray(value)) return value.length === 0 ? undefined : value.map((item) => withoutDefaults(item) ?? {});
  if (typeof value !== 'object') return value;
  const kept = {};
  for (const [name, member] of Object.entries(value)) {
    const m = withoutDefaults(member);
    if (m !== undefined) kept[name] = m;
  }
  return Object.keys(kept).length === 0 ? undefined : kept;
}

// RFC 8785: members sorted by UTF-16 code units, no whitespace, strings and numbers as JSON.stringify writes them.
function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((name) => `${JSON.stringify(name)}:${canonical(value[name])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
