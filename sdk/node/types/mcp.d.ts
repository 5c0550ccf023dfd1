import type { StreamableHTTPClientTransport, StreamableHTTPReconnectionOptions } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { GamutClient } from './index.js';

type McpTransportOptions = { sessionId?: string; reconnectionOptions?: StreamableHTTPReconnectionOptions };

/** The `_meta` key a retried call carries an approval's warrant under. */
export declare const WARRANT_META_KEY: 'gamut.dev/warrant';

/** An MCP client transport on `<GAMUT_BASE_URL>/mcp`, the gateway's own MCP server, every request signed. */
export declare function createMcpTransport(client: GamutClient, options?: McpTransportOptions): StreamableHTTPClientTransport;
/** An MCP client transport on `<GAMUT_BASE_URL>/providers/<connector>`, every request signed. */
export declare function createMcpTransport(client: GamutClient, connector: string, options?: McpTransportOptions): StreamableHTTPClientTransport;

/** The call's params with the approval's warrant under `_meta` (the retry after require_approval). */
export declare function withWarrant<T extends { _meta?: Record<string, unknown> }>(params: T, warrant: string): T & { _meta: Record<string, unknown> };
