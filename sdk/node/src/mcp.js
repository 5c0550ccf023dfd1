// MCP client transports for @modelcontextprotocol/sdk through the gateway, every request signed: the gateway's own
// MCP server (/mcp: every governed tool the agent may use, each call decided and recorded), or one connector's
// server through the provider route (its tools filtered by the gateway to what the agent may call).
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

/** The `_meta` key a retried call carries an approval's warrant under (docs/mcp.md). */
export const WARRANT_META_KEY = 'gamut.dev/warrant';

/**
 * `new Client(...).connect(createMcpTransport(gamut))` for `/mcp`, or `createMcpTransport(gamut, 'docs')` for
 * `/providers/docs`.
 */
export function createMcpTransport(client, connector, options) {
  if (typeof connector !== 'string') {
    return transport(client, `${client.baseUrl}/mcp`, connector ?? {});
  }
  return transport(client, client.providerUrl(connector), options ?? {});
}

/** `client.callTool(withWarrant({ name, arguments }, warrant))`: the retry of a call a human approved. */
export function withWarrant(params, warrant) {
  if (typeof warrant !== 'string' || warrant.length === 0) throw new TypeError('withWarrant: the warrant is a non-empty string');
  return { ...params, _meta: { ...(params._meta ?? {}), [WARRANT_META_KEY]: warrant } };
}

function transport(client, url, options) {
  for (const name of Object.keys(options)) {
    if (name !== 'sessionId' && name !== 'reconnectionOptions') {
      throw new TypeError(`createMcpTransport: option '${name}' is not accepted (no other URL, headers or auth: the gateway holds the broker's credential).`);
    }
  }
  return new StreamableHTTPClientTransport(new URL(url), { ...options, fetch: client.fetch });
}
