// An MCP client transport for @modelcontextprotocol/sdk through the gateway's provider route: every
// request signed, the connector's tools filtered by the gateway to what the agent may call.
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

/** `new Client(...).connect(createMcpTransport(gamut, 'docs'))`. */
export function createMcpTransport(client, connector, options = {}) {
  for (const name of Object.keys(options)) {
    if (name !== 'sessionId' && name !== 'reconnectionOptions') {
      throw new TypeError(`createMcpTransport: option '${name}' is not accepted (no other URL, headers or auth: the gateway holds the broker's credential).`);
    }
  }
  return new StreamableHTTPClientTransport(new URL(client.providerUrl(connector)), { ...options, fetch: client.fetch });
}
