// Client-side refusal of secret material, with the gateway's rules
// (connectors/Gateway.Connectors/Detection/SecretMaterialDetector.cs and Redaction/SensitivePatterns.cs):
// members named like credentials or provider settings, and strings shaped like bearer tokens, JWTs,
// provider API keys or PEM private keys. tests/vectors/agent-protocol.json keeps the four copies equal.

const CREDENTIAL_MEMBERS = new Set([
  'apikey', 'xapikey', 'apisecret', 'apitoken', 'authorization', 'proxyauthorization', 'authtoken', 'accesstoken',
  'refreshtoken', 'idtoken', 'bearertoken', 'sessiontoken', 'secret', 'clientsecret', 'secretkey', 'secretaccesskey',
  'awssecretaccesskey', 'awssessiontoken', 'password', 'passwd', 'privatekey', 'openaiapikey', 'anthropicapikey',
  'xgamutsignature', 'byoagentsecret', 'gamutbyoagentsecret', 'cookie',
]);

const PROVIDER_MEMBERS = new Set([
  'baseurl', 'apibase', 'apibaseurl', 'openaibaseurl', 'openaiapibase', 'anthropicbaseurl', 'azureendpoint',
  'apiversion', 'organization', 'openaiorganization',
]);

const MAX_FINDINGS = 32;

// The gateway's one pattern, alternative for alternative (e-mail and card numbers match but are not secret material).
const SENSITIVE = new RegExp(
  String.raw`(?<private_key>-----BEGIN (?:[A-Z0-9]+ ){0,3}PRIVATE KEY-----(?:[A-Za-z0-9+/=\s\\:,.-]{0,16384}?-----END (?:[A-Z0-9]+ ){0,3}PRIVATE KEY-----|[A-Za-z0-9+/=\s\\:,.-]*))`
  + String.raw`|(?<bearer_token>(?:(?<=\\[nrt])|(?<![A-Za-z0-9_\\]))[Bb][Ee][Aa][Rr][Ee][Rr][ \t]+(?=[A-Za-z0-9._~+/-]*[0-9._~+/-])[A-Za-z0-9._~+/-]{12,}=*)`
  + String.raw`|(?<jwt>(?:(?<=\\[nrt])|(?<![A-Za-z0-9+/_\\-]))eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}(?:\.[A-Za-z0-9_-]*)?)`
  + String.raw`|(?<api_key>(?:(?<=\\[nrt])|(?<![A-Za-z0-9+/_\\-]))(?:`
  + String.raw`sk-ant-[A-Za-z0-9_-]{20,}`
  + String.raw`|sk-(?=[A-Za-z0-9_-]*[0-9])[A-Za-z0-9_-]{20,}`
  + String.raw`|[sr]k_(?:live|test)_[A-Za-z0-9]{16,}`
  + String.raw`|(?:AKIA|ASIA)[0-9A-Z]{16}(?![0-9A-Za-z])`
  + String.raw`|gh[pousr]_[A-Za-z0-9]{36,}`
  + String.raw`|github_pat_[A-Za-z0-9_]{22,}`
  + String.raw`|xox[abeprs]-[A-Za-z0-9-]{10,}`
  + String.raw`|AIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])`
  + String.raw`|glpat-[A-Za-z0-9_-]{20,}`
  + String.raw`|hf_[A-Za-z0-9]{30,}`
  + String.raw`))`
  + String.raw`|(?<email>(?:(?<=\\[nrt])|(?<![A-Za-z0-9._%+\\-]))[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,4}[A-Za-z]{2,24}(?![A-Za-z0-9-]))`
  + String.raw`|(?<card_number>(?:(?<=\\[nrt])|(?<![A-Za-z0-9_\\.-]))(?:[2-6](?:[ -]?[0-9]){12,18}|[2-6](?:(?:(?<=[0-9]{3})(?<![0-9]{7})(?:[ \t.\u00A0\u2000-\u200A\u202F\u205F\u3000\u2010-\u2015\u2212-]|\\t){1,8}(?=[0-9]{3,6}(?![0-9])))?[0-9]){12,18})(?![0-9A-Za-z_]|[.-][0-9]))`,
  'g',
);

const SECRET_KINDS = ['bearer_token', 'jwt', 'api_key', 'private_key'];

/** The member name without case, `_`, `-`, `.` or spaces (the gateway's normalisation). */
function normalize(name) {
  const normalized = name.replace(/[_\-. ]/g, '').toLowerCase();
  return normalized.length > 64 ? '' : normalized;
}

/** `credential_member`, `provider_configuration` or null for a member name. */
export function sensitiveMemberKind(name) {
  const normalized = normalize(name);
  if (CREDENTIAL_MEMBERS.has(normalized)) return 'credential_member';
  if (PROVIDER_MEMBERS.has(normalized)) return 'provider_configuration';
  return null;
}

/** The kinds of secret material in one string, in order of appearance (no duplicates). */
export function secretKindsIn(text) {
  const kinds = [];
  if (typeof text !== 'string' || text.length < 12) return kinds;
  for (const match of text.matchAll(SENSITIVE)) {
    const kind = SECRET_KINDS.find((k) => match.groups[k] !== undefined);
    if (kind && !kinds.includes(kind)) kinds.push(kind);
  }
  return kinds;
}

function childPath(path, name) {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name)
    ? `${path}.${name}`
    : `${path}['${name.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}']`;
}

function hasValue(value) {
  if (value === null || value === undefined || value === false) return false;
  if (typeof value === 'string') return value.trim().length > 0;
  return true;
}

/**
 * Finds provider configuration and secret material in a JSON-shaped value. Returns findings
 * `{path, kind}` (a JSONPath and a kind, never the value), at most 32.
 */
export function findSecretMaterial(value) {
  const findings = [];
  walk(value, '$', findings);
  return findings;
}

function walk(value, path, findings) {
  if (findings.length >= MAX_FINDINGS) return;
  if (Array.isArray(value)) {
    value.forEach((item, index) => walk(item, `${path}[${index}]`, findings));
  } else if (value !== null && typeof value === 'object') {
    for (const [name, child] of Object.entries(value)) {
      const member = childPath(path, name);
      const kind = sensitiveMemberKind(name);
      if (kind && hasValue(child)) findings.push({ path: member, kind });
      walk(child, member, findings);
    }
  } else if (typeof value === 'string') {
    for (const kind of secretKindsIn(value)) {
      if (findings.length >= MAX_FINDINGS) break;
      if (!findings.some((f) => f.path === path && f.kind === kind)) findings.push({ path, kind });
    }
  }
}
