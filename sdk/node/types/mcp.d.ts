import type { StreamableHTTPClientTransport, StreamableHTTPReconnectionOptions } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { GamutClient } from './index.js';

/** An MCP client transport on `<GAMUT_BASE_URL>/providers/<connector>`, every request signed. */
export declare function createMcpTransport(client: GamutClient, connector: string, options?: { sessionId?: string; reconnectionOptions?: StreamableHTTPReconnectionOptions }): StreamableHTTPClientTransport;
