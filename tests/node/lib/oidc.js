// A REAL OpenID provider on loopback: oidc-provider (npm), with an RFC 8693 token-exchange grant registered through its
// extension point (it has none built in). Two clients: `agent-app`, the application a person signs in to (their ID token's
// audience), and `gamut-gateway`, the gateway's client, which exchanges a person's ID token for an access token scoped to
// that person and the audience it asks for.
import { createServer } from 'node:http';
import Provider, { errors } from 'oidc-provider';
import { SignJWT, createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify } from 'jose';
import { freePort } from './gateway.js';

export const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const ID_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:id_token';
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
export const AGENT_APP = 'agent-app';
export const GATEWAY_CLIENT = 'gamut-gateway';

/**
 * Starts the provider; `refuse(subject)` says whose exchanges it answers with invalid_grant. Returns its issuer, the
 * provider, `signIn(sub, groups)` (an ID token for `agent-app`, issued by the provider with its own keys), the gateway
 * client's secret, the exchanges it answered, and `close()`. With `consoleRedirectUri`, the gateway's client also signs
 * people in to the console (authorization code + PKCE, that redirect URI) through the provider's own login form
 * (its development interactions: any login, any password), and the ID token carries the account's groups. With
 * `consoleBackchannelLogoutUri` too, the provider sends OpenID Connect Back-Channel Logout there when a person's session
 * at it ends (its end_session endpoint, `/session/end`), naming the provider session (`sid`, also in the ID token).
 */
export async function startOidcProvider({ refuse = () => false, consoleRedirectUri, consoleBackchannelLogoutUri } = {}) {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), kid: 'person-rs256', alg: 'RS256', use: 'sig' };
  const gatewaySecret = `gateway-client-secret-${Math.random().toString(36).slice(2)}-${Date.now()}`;
  const provider = new Provider(issuer, {
    jwks: { keys: [signingKey] },
    clients: [
      { client_id: AGENT_APP, client_secret: 'agent-app-secret-not-used-here-0123456789', redirect_uris: ['http://127.0.0.1/cb'], grant_types: ['authorization_code'], response_types: ['code'] },
      consoleRedirectUri
        ? {
          client_id: GATEWAY_CLIENT,
          client_secret: gatewaySecret,
          grant_types: [TOKEN_EXCHANGE, 'authorization_code'],
          redirect_uris: [consoleRedirectUri],
          response_types: ['code'],
          token_endpoint_auth_method: 'client_secret_basic',
          ...(consoleBackchannelLogoutUri ? { backchannel_logout_uri: consoleBackchannelLogoutUri, backchannel_logout_session_required: true } : {}),
        }
        : { client_id: GATEWAY_CLIENT, client_secret: gatewaySecret, grant_types: [TOKEN_EXCHANGE], redirect_uris: [], response_types: [], token_endpoint_auth_method: 'client_secret_basic' },
    ],
    conformIdTokenClaims: !consoleRedirectUri,
    claims: { openid: ['sub'], groups: ['groups'] },
    findAccount: async (ctx, sub) => ({ accountId: sub, claims: async () => ({ sub, groups: accounts.get(sub) ?? [] }) }),
    features: { devInteractions: { enabled: Boolean(consoleRedirectUri) }, backchannelLogout: { enabled: Boolean(consoleBackchannelLogoutUri) } },
    ttl: { IdToken: 600, AccessToken: 600 },
    // The provider's outgoing requests (here: back-channel logout to the gateway) refuse special-use addresses such as
    // loopback (its SSRF protection, an undici dispatcher it passes in); the gateway under test IS on loopback.
    fetch: (url, { dispatcher, ...options }) => fetch(url, options),
  });
  const accounts = new Map();
  const exchanges = [];
  const publicKeys = createLocalJWKSet({ keys: [publicPart(signingKey)] });

  // RFC 8693 token exchange: the subject token must be an ID token this provider issued (its keys, its issuer, for
  // agent-app, unexpired); the access token issued is the person's (accountId = their sub), for the audience asked.
  provider.registerGrantType(TOKEN_EXCHANGE, async (ctx) => {
    const { params, client } = ctx.oidc;
    if (params.subject_token_type !== ID_TOKEN_TYPE) throw new errors.InvalidRequest('unsupported subject_token_type');
    if (params.requested_token_type && params.requested_token_type !== ACCESS_TOKEN_TYPE) throw new errors.InvalidRequest('unsupported requested_token_type');
    let subject;
    try {
      ({ payload: subject } = await jwtVerify(params.subject_token, publicKeys, { issuer, audience: AGENT_APP, algorithms: ['RS256'] }));
    } catch {
      throw new errors.InvalidGrant('subject_token is not a valid ID token of this provider');
    }
    if (refuse(subject.sub)) throw new errors.InvalidGrant('this person may not be delegated to that audience');
    const token = new provider.AccessToken({
      accountId: subject.sub,
      client,
      gty: 'token_exchange',
      scope: params.scope || undefined,
      extra: { act: { sub: client.clientId } },
    });
    if (params.audience) token.aud = params.audience;
    const value = await token.save();
    exchanges.push({ subject: subject.sub, audience: params.audience, scope: params.scope, client: client.clientId, token: value });
    ctx.body = { access_token: value, issued_token_type: ACCESS_TOKEN_TYPE, token_type: 'Bearer', expires_in: token.expiration };
  }, ['subject_token', 'subject_token_type', 'requested_token_type', 'audience', 'resource', 'scope'], ['audience', 'resource']);

  const close = await listenProvider(provider, port);

  return {
    issuer,
    provider,
    gatewaySecret,
    exchanges,
    /** Gives the account `sub` its groups (what the provider's login form signs in as). */
    setAccount(sub, groups = []) {
      accounts.set(sub, groups);
    },
    /** An ID token for `sub` (audience agent-app), issued and signed by the provider itself. */
    async signIn(sub, groups = []) {
      accounts.set(sub, groups);
      const client = await provider.Client.find(AGENT_APP);
      const idToken = new provider.IdToken({ sub, groups }, { client });
      idToken.scope = 'openid groups';
      return idToken.issue({ use: 'idtoken' });
    },
    /**
     * A back-channel logout token for the gateway's client as the provider would send it (iss, aud, iat, exp, jti, the
     * logout event), `claims` added or replacing; signed with the provider's key, or with `impostor: true` a key it never
     * published under the same key id.
     */
    async logoutToken(claims, { impostor = false } = {}) {
      const key = impostor ? (await generateKeyPair('RS256')).privateKey : privateKey;
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({
        iss: issuer,
        aud: GATEWAY_CLIENT,
        iat: now,
        exp: now + 120,
        jti: `logout-${Math.random().toString(36).slice(2)}-${now}`,
        events: { 'http://schemas.openid.net/event/backchannel-logout': {} },
        ...claims,
      }).setProtectedHeader({ alg: 'RS256', kid: signingKey.kid, typ: 'logout+jwt' }).sign(key);
    },
    close,
  };
}

/** Serves `provider` on loopback `port`; resolves once it listens, with the function that closes it. */
export async function listenProvider(provider, port) {
  const server = createServer(provider.callback());
  await new Promise((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolveListen);
  });
  return () => new Promise((resolveClose) => {
    server.closeAllConnections?.();
    server.close(() => resolveClose());
  });
}

function publicPart({ kty, n, e, kid, alg }) {
  return { kty, n, e, kid, alg, use: 'sig' };
}
