// An upstream with accounts of its own, on loopback: a REAL OAuth authorization server (oidc-provider, its login form
// signing in any account name) that issues JWT access tokens for one resource, and a REAL MCP server (the TypeScript
// SDK's McpServer behind the SDK's own bearer-auth middleware) that accepts a tool call only with such a token, checked
// against the server's JWKS (jose), and answers as the token's subject. What a per_person connector links people to.
import express from 'express';
import Provider from 'oidc-provider';
import { createRemoteJWKSet, exportJWK, generateKeyPair, jwtVerify } from 'jose';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import { InvalidTokenError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import { createServer } from 'node:http';
import { z } from 'zod';
import { freePort } from './gateway.js';
import { listenProvider } from './oidc.js';

export const LINK_CLIENT = 'gamut-link';
export const UPSTREAM_SCOPE = 'docs.read';

/**
 * The upstream's authorization server: the gateway's pre-registered confidential client `gamut-link` redirecting to
 * `redirectUri`; access tokens are JWTs for `resource` (RFC 8707) whose `sub` is the account that signed in.
 */
export async function startUpstreamAuthorizationServer({ redirectUri, resource }) {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const clientSecret = `link-client-secret-${Math.random().toString(36).slice(2)}-${Date.now()}`;
  const provider = new Provider(issuer, {
    jwks: { keys: [{ ...(await exportJWK(privateKey)), kid: 'upstream-rs256', alg: 'RS256', use: 'sig' }] },
    clients: [{
      client_id: LINK_CLIENT,
      client_secret: clientSecret,
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    }],
    scopes: ['openid', 'offline_access', UPSTREAM_SCOPE],
    claims: { openid: ['sub'] },
    findAccount: async (ctx, sub) => ({ accountId: sub, claims: async () => ({ sub }) }),
    features: {
      devInteractions: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => resource,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({ scope: UPSTREAM_SCOPE, audience: resource, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } }),
      },
    },
    ttl: { AccessToken: 600, IdToken: 600 },
  });
  return { issuer, clientSecret, close: await listenProvider(provider, port) };
}

/**
 * The upstream MCP server at `/mcp` (stateless): `search` answers `<sub> searched "<query>"`. A `tools/call` needs a bearer
 * token the authorization server issued for `resource` (else the SDK middleware's 401); discovery (initialize,
 * tools/list) is open, as the gateway lists a server's tools for every person alike. `calls` records each call's
 * subject and token.
 */
export async function startBearerMcpUpstream({ issuer, resource }) {
  const calls = [];
  const keys = createRemoteJWKSet(new URL(`${issuer}/jwks`));
  const bearer = requireBearerAuth({
    verifier: {
      async verifyAccessToken(token) {
        try {
          const { payload } = await jwtVerify(token, keys, { issuer, audience: resource });
          return { token, clientId: String(payload.client_id), scopes: String(payload.scope ?? '').split(' ').filter(Boolean), expiresAt: payload.exp, extra: { sub: payload.sub } };
        } catch (error) {
          throw new InvalidTokenError(`the token is not the authorization server's: ${error.code ?? error.message}`);
        }
      },
    },
  });
  const app = express();
  app.post('/mcp', express.json(), (req, res, next) => (req.body?.method === 'tools/call' ? bearer(req, res, next) : next()), async (req, res) => {
    const mcp = new McpServer({ name: 'upstream-with-accounts', version: '1.0.0' });
    mcp.registerTool('search', { description: 'Searches the documents the caller may read.', inputSchema: { query: z.string() } }, async ({ query }, extra) => {
      const sub = extra.authInfo?.extra?.sub;
      calls.push({ sub, query, token: extra.authInfo?.token });
      return { content: [{ type: 'text', text: `${sub} searched "${query}"` }] };
    });
    mcp.registerTool('delete_document', { description: 'Deletes a document.', inputSchema: { id: z.string() } }, async ({ id }) => ({ content: [{ type: 'text', text: `deleted ${id}` }] }));
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => {
      transport.close();
      mcp.close();
    });
    await mcp.connect(transport);
    await transport.handleRequest(req, res, req.body);
  });
  const server = createServer(app);
  await new Promise((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  return {
    url: `http://127.0.0.1:${server.address().port}/mcp`,
    calls,
    close: () => new Promise((resolveClose) => { server.closeAllConnections?.(); server.close(() => resolveClose()); }),
  };
}
