using System.Globalization;
using Gateway.Connectors.Mcp;
using Gateway.Oversight;
using Gateway.Proxy.Mcp;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Describe;

/// <summary>
/// A JSON-RPC batch on an MCP server's per-server route is forwarded only at a revision that has batches: 2025-03-26 (and
/// earlier), or a request that names no <c>MCP-Protocol-Version</c>, which the specification reads as 2025-03-26. A batch
/// at 2025-06-18 or later (which removed them), or at a version that is no such date, is refused before anything is
/// forwarded: HTTP 400, JSON-RPC <c>-32600</c> (invalid request) with id null, <c>malformed_body</c>, recorded under the server.
/// </summary>
internal static class McpBatchRevision
{
    /// <summary>The first revision without JSON-RPC batches.</summary>
    public const string WithoutBatches = "2025-06-18";

    /// <summary>The refusal of <paramref name="request"/> when it is a batch at a revision without batches; null otherwise.</summary>
    public static Refusal? Refuse(IHeaderDictionary headers, McpRequest request, string server) =>
        request.IsBatch && !HasBatches(headers[McpProtocolVersions.Header])
            ? new Refusal(StatusCodes.Status400BadRequest, ProblemCodes.MalformedBody,
                $"A JSON-RPC batch is not accepted at the MCP protocol version this request names ({McpProtocolVersions.Header}): revisions from {WithoutBatches} on removed batches; send one message per request. Nothing was forwarded.")
            {
                AuditTool = server,
                JsonRpcCode = ProviderActionDescriber.InvalidRequest,
                JsonRpcKeepsStatus = true,
            }
            : null;

    /// <summary>True when every version named (none: 2025-03-26) is a date before <see cref="WithoutBatches"/>.</summary>
    private static bool HasBatches(Microsoft.Extensions.Primitives.StringValues versions)
    {
        foreach (var value in versions)
        {
            foreach (var version in (value ?? string.Empty).Split(','))
            {
                var trimmed = version.Trim(' ', '\t');
                if (!DateOnly.TryParseExact(trimmed, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _)
                    || string.CompareOrdinal(trimmed, WithoutBatches) >= 0)
                {
                    return false;
                }
            }
        }

        return true;
    }
}
