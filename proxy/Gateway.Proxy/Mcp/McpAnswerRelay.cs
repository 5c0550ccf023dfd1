using System.Text.Json;
using Gateway.Connectors.Credentials;
using Gateway.Connectors.Mcp;
using Gateway.Oversight;
using Gateway.Policy;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Mcp;

/// <summary>
/// Sends the client's answer to a request an MCP server sent it mid-call (relayed to the client under a relay id,
/// <see cref="McpServerRequests"/>) to that server, on the session that asked and under the server's own id, once.
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
}
