// Exactly the five GAMUT_* values (or, for an agent registered with a public key, its private key and key id instead
// of the secret); anything that looks like provider configuration is refused.
import { GamutConfigurationError } from './errors.js';
import { secretKindsIn, sensitiveMemberKind } from './detector.js';
import { agentPrivateKey } from './signing.js';

export const ENV_NAMES = Object.freeze({
  baseUrl: 'GAMUT_BASE_URL',
  tenant: 'GAMUT_TENANT_SLUG',
  workspace: 'GAMUT_WORKSPACE_ID',
  agentId: 'GAMUT_AGENT_ID',
  secret: 'GAMUT_BYO_AGENT_SECRET',
});

/** An agent registered with a public key: its private key (PEM or base64 PKCS#8) and key id, instead of the secret. */
export const KEY_ENV_NAMES = Object.freeze({
  privateKey: 'GAMUT_AGENT_PRIVATE_KEY',
  keyId: 'GAMUT_AGENT_KEY_ID',
});

/** `true` lets a plain-http base URL reach a host other than loopback (the option `allowInsecureHttp`). */
export const INSECURE_HTTP_ENV_NAME = 'GAMUT_ALLOW_INSECURE_HTTP';

const SETTINGS = new Set(['timeoutMs', 'fetch', 'allowInsecureHttp']);

/**
 * Marks the options of a delegated child's client (a symbol key: not an option a caller can name, and not in
 * `Object.keys`): its secret was minted by the gateway (random base64url), so it is not checked for a provider key's
 * shape, which a few in a million minted secrets have.
 */
export const GATEWAY_ISSUED_SECRET = Symbol('gamut.gatewayIssuedSecret');

const PROVIDER_HOSTS = [
  /(^|\.)openai\.com$/i, /(^|\.)openai\.azure\.com$/i, /(^|\.)anthropic\.com$/i, /(^|\.)googleapis\.com$/i,
  /(^|\.)mistral\.ai$/i, /(^|\.)groq\.com$/i, /(^|\.)cohere\.(ai|com)$/i, /(^|\.)together\.xyz$/i,
  /(^|\.)openrouter\.ai$/i, /(^|\.)amazonaws\.com$/i, /(^|\.)huggingface\.co$/i,
];

/** Reads and checks the five values from an options object; refuses anything else. */
export function resolveConfig(options) {
  if (options === null || typeof options !== 'object') throw new GamutConfigurationError('Options must be an object.');
  for (const name of Object.keys(options)) {
    if (name in ENV_NAMES || name in KEY_ENV_NAMES || SETTINGS.has(name)) continue;
    const kind = sensitiveMemberKind(name);
    throw new GamutConfigurationError(kind
      ? `'${name}' is provider configuration or a credential: an agent receives only the five GAMUT_* values; the gateway holds provider keys and endpoints.`
      : `Unknown option '${name}': an agent is configured with exactly the five GAMUT_* values.`);
  }
  const keyPair = options.privateKey !== undefined || options.keyId !== undefined;
  if (keyPair && options.secret !== undefined) {
    throw new GamutConfigurationError(`An agent signs with ${ENV_NAMES.secret} or with ${KEY_ENV_NAMES.privateKey} and ${KEY_ENV_NAMES.keyId}, never both.`);
  }
  const config = {};
  for (const [name, envName] of Object.entries(ENV_NAMES)) {
    if (keyPair && name === 'secret') continue;
    const value = options[name];
    if (typeof value !== 'string' || value.trim() === '') throw new GamutConfigurationError(`${envName} (${name}) is required.`);
    config[name] = value.trim();
  }
  if (options.allowInsecureHttp !== undefined && typeof options.allowInsecureHttp !== 'boolean') {
    throw new GamutConfigurationError('allowInsecureHttp must be true or false.');
  }
  config.allowInsecureHttp = options.allowInsecureHttp === true;
  config.baseUrl = checkBaseUrl(config.baseUrl, config.allowInsecureHttp);
  if (keyPair) {
    Object.assign(config, resolveKeyPair(options));
  } else if (options[GATEWAY_ISSUED_SECRET] !== true && secretKindsIn(config.secret).length > 0) {
    throw new GamutConfigurationError(`${ENV_NAMES.secret} looks like a provider key or token; it must be the agent's Gamut runtime secret.`);
  }
  const timeoutMs = options.timeoutMs ?? 30_000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new GamutConfigurationError('timeoutMs must be a positive number.');
  config.timeoutMs = timeoutMs;
  if (options.fetch !== undefined && typeof options.fetch !== 'function') throw new GamutConfigurationError('fetch must be a function.');
  config.fetch = options.fetch ?? globalThis.fetch;
  return Object.freeze(config);
}

/**
 * The five values from the environment (GAMUT_AGENT_PRIVATE_KEY and GAMUT_AGENT_KEY_ID instead of the secret, when
 * set), and GAMUT_ALLOW_INSECURE_HTTP (`true` or `false`). Another GAMUT_* variable naming a provider setting or
 * credential is refused.
 */
export function configFromEnv(env = process.env) {
  for (const name of Object.keys(env)) {
    if (!name.startsWith('GAMUT_') || name === INSECURE_HTTP_ENV_NAME || Object.values(ENV_NAMES).includes(name) || Object.values(KEY_ENV_NAMES).includes(name)) continue;
    if (sensitiveMemberKind(name.slice('GAMUT_'.length)) || /(_API_KEY|_BASE_URL|_ENDPOINT|_TOKEN)$/.test(name)) {
      throw new GamutConfigurationError(`${name} is provider configuration or a credential: an agent receives only the five GAMUT_* values.`);
    }
  }
  const options = {};
  const keyPair = Object.values(KEY_ENV_NAMES).some((name) => env[name] !== undefined);
  for (const [name, envName] of Object.entries(ENV_NAMES)) if (!(keyPair && name === 'secret')) options[name] = env[envName];
  if (keyPair) for (const [name, envName] of Object.entries(KEY_ENV_NAMES)) options[name] = env[envName];
  const insecure = (env[INSECURE_HTTP_ENV_NAME] ?? '').trim().toLowerCase();
  if (insecure !== '') {
    if (insecure !== 'true' && insecure !== 'false') throw new GamutConfigurationError(`${INSECURE_HTTP_ENV_NAME} must be true or false.`);
    options.allowInsecureHttp = insecure === 'true';
  }
  return options;
}

/** Loopback: `localhost`, 127.0.0.0/8 and ::1 (as the WHATWG URL parser writes a host). */
export function isLoopbackHost(hostname) {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/** Plain http to a host other than loopback, not allowed: what is sent would cross the network in clear. */
export function isInsecureHttp(url, allowed) {
  return url.protocol === 'http:' && !allowed && !isLoopbackHost(url.hostname);
}

function resolveKeyPair({ privateKey, keyId }) {
  if (typeof keyId !== 'string' || !/^[A-Za-z0-9._:-]{1,128}$/.test(keyId.trim())) {
    throw new GamutConfigurationError(`${KEY_ENV_NAMES.keyId} (keyId) is required: the key_id the agent's public key is registered under.`);
  }
  if (privateKey === undefined || privateKey === null || privateKey === '') {
    throw new GamutConfigurationError(`${KEY_ENV_NAMES.privateKey} (privateKey) is required with a key id.`);
  }
  try {
    return { agentKey: agentPrivateKey(privateKey), keyId: keyId.trim() };
  } catch (error) {
    // Never the key itself in the message.
    throw new GamutConfigurationError(`${KEY_ENV_NAMES.privateKey} is not an Ed25519 or ECDSA P-256 private key (PEM or base64 PKCS#8): ${error.message.split('\n')[0]}`);
  }
}

function checkBaseUrl(text, allowInsecureHttp) {
  let url;
  try {
    url = new URL(text);
  } catch {
    throw new GamutConfigurationError(`${ENV_NAMES.baseUrl} is not a URL.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new GamutConfigurationError(`${ENV_NAMES.baseUrl} must be http or https.`);
  if (url.username || url.password || url.search || url.hash) {
    throw new GamutConfigurationError(`${ENV_NAMES.baseUrl} must be the gateway's base URL, without credentials, query or fragment.`);
  }
  const path = url.pathname.replace(/\/+$/, '');
  if (PROVIDER_HOSTS.some((host) => host.test(url.hostname)) || /\/providers(\/|$)/.test(path) || /\/v\d+$/.test(path)) {
    throw new GamutConfigurationError(`${ENV_NAMES.baseUrl} looks like a provider or model endpoint; it must be the gateway's one base URL.`);
  }
  if (path) {
    throw new GamutConfigurationError(`${ENV_NAMES.baseUrl} must be the gateway's origin (scheme, host, port) without a path: the gateway serves at its root, and a request is signed for the path the gateway reads.`);
  }
  if (isInsecureHttp(url, allowInsecureHttp)) {
    throw new GamutConfigurationError(`${ENV_NAMES.baseUrl} is plain http:// to ${url.hostname}, a host other than loopback: signed requests, `
      + `a person's identity token and the gateway's answers would cross the network in clear. Use https://, or set allowInsecureHttp: true `
      + `(${INSECURE_HTTP_ENV_NAME}=true) only where that network is trusted (e.g. pod traffic encrypted by the CNI, or a service mesh with mTLS).`);
  }
  return url.origin;
}
