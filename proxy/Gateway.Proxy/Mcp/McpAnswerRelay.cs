using System.Text.Json;
using Gateway.Connectors.Credentials;
using Gateway.Connectors.Mcp;
using Gateway.Oversight;
using Gateway.Policy;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Mcp;

/// <summary>
/// Sends the client's answer to a request an MCP server sent it mid-call (relayed to the client under a relay id,
/// <see cref="McpServerRequests"/>) to that server, on the session that asked and under the server's own id, once; and
/// answers for the client, as method-not-found, a request the client is not asked (<see cref="RefuseAsync"/>).
/// </summary>
internal sealed class McpAnswerRelay
{
    private readonly McpServerRequests _requests;
    private readonly McpServerToolLists _servers;

    public McpAnswerRelay(McpServerRequests requests, McpServerToolLists servers)
    {
        _requests = requests;
        _servers = servers;
    }

    /// <summary>
    /// Null when the server took the answer; else the refusal: 404 <c>mcp_answer_unknown</c> (recorded under
    /// <see cref="McpEndpoint.AuditTool"/>) when no request of a server awaits it from this agent, 502 when the server did not take it.
    /// </summary>
    public async ValueTask<Refusal?> RelayAsync(TenantPolicy? tenant, string tenantId, string agent, string relayId, JsonElement answer, CancellationToken cancellationToken)
    {
        var asked = await _requests.TakeAsync(tenantId, agent, relayId, cancellationToken).ConfigureAwait(false);
        if (asked is null || tenant is null || !tenant.TryGetCatalogEntry(asked.Server, out var server) || server is null)
        {
            return new Refusal(StatusCodes.Status404NotFound, ProblemCodes.McpAnswerUnknown,
                "No request of an MCP server awaits this answer from this agent: it was answered already, it expired, or it is not this agent's.")
            {
                AuditTool = McpEndpoint.AuditTool,
            };
        }

        int status;
        try
        {
            status = await _servers.AnswerAsync(tenantId, server, new Uri(asked.Upstream), asked.Session, McpServerRequests.WithRawId(answer, asked.Id), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or CredentialUnavailableException && !cancellationToken.IsCancellationRequested)
        {
            status = StatusCodes.Status502BadGateway;
        }

        return status is < 200 or > 299
            ? new Refusal(StatusCodes.Status502BadGateway, ProblemCodes.UpstreamUnavailable,
                $"The MCP server '{server.Name}' did not take the answer to its '{asked.Method}' request (it said {status}).")
            : null;
    }

    /// <summary>
    /// Answers, for the client, a request <paramref name="server"/> sent mid-call that is not relayed to it (any but
    /// <c>sampling/createMessage</c> and <c>elicitation/create</c>: a <c>roots/list</c> answered by one agent would reach a
    /// session every agent of the tenant shares) with JSON-RPC -32601 (method not found), under the server's own
    /// <paramref name="id"/>, on the session that asked. A server that does not take it is left to its own timeout.
    /// </summary>
    public async ValueTask RefuseAsync(CatalogEntry server, McpCallOrigin origin, string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(origin);
        try
        {
            await _servers.AnswerAsync(origin.Tenant, server, new Uri(origin.Upstream), origin.Session, McpServerRequests.WithRawId(MethodNotFound, id), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or CredentialUnavailableException && !cancellationToken.IsCancellationRequested)
        {
            // Not taken: the server's request goes unanswered, as it would had the gateway dropped it.
        }
    }

    private static ReadOnlySpan<byte> MethodNotFound =>
        """{"jsonrpc":"2.0","id":null,"error":{"code":-32601,"message":"Method not found: the gateway relays only sampling/createMessage and elicitation/create to its client."}}"""u8;
}
