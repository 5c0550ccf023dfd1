using System.Collections.Concurrent;
using System.Text.Json;
using Gateway.Connectors.Mcp;
using Gateway.Oversight.Incidents;
using Gateway.Policy;

namespace Gateway.Proxy.Mcp;

/// <summary>
/// Pinned tool definitions. An <c>mcp_tool</c> entry with a <c>pin</c> is trusted only while its server serves the
/// tool with exactly that definition's digest (<see cref="McpToolDefinition.Digest"/>): a changed description (which
/// could carry injected instructions), a widened schema or a vanished tool is drift. A drifted tool is hidden from
/// <c>/mcp</c>'s listing and refused on every route until the pin is renewed; the first time a drift is seen (per
/// tenant, tool and served digest) an incident is opened naming it.
/// </summary>
internal sealed partial class McpToolPins
{
    private readonly McpServerToolLists _servers;
    private readonly IncidentService _incidents;
    private readonly ILogger<McpToolPins> _logger;
    private readonly ConcurrentDictionary<(string Tenant, string Tool, string Served), bool> _reported = new();

    public McpToolPins(McpServerToolLists servers, IncidentService incidents, ILogger<McpToolPins> logger)
    {
        _servers = servers;
        _incidents = incidents;
        _logger = logger;
    }

    /// <summary>Checks <paramref name="entry"/> against what its server serves now (a listing at most 30 s old).</summary>
    public async ValueTask<McpToolPin> CheckAsync(TenantPolicy tenant, CatalogEntry entry, CancellationToken cancellationToken)
    {
        if (entry.Kind != ConnectorKind.McpTool || entry.Pin is null)
        {
            return new McpToolPin(McpToolPinState.Trusted, null);
        }

        if (entry.Connector is null || !tenant.TryGetCatalogEntry(entry.Connector, out var server) || server is null)
        {
            return new McpToolPin(McpToolPinState.Unverifiable, null);
        }

        var served = await _servers.GetAsync(tenant.Slug, server, cancellationToken).ConfigureAwait(false);
        return Compare(entry, served);
    }

    /// <summary>Compares <paramref name="entry"/>'s pin with a listing already read.</summary>
    public static McpToolPin Compare(CatalogEntry entry, McpServerTools served)
    {
        if (entry.Pin is null)
        {
            return new McpToolPin(McpToolPinState.Trusted, null);
        }

        if (!served.Available)
        {
            return new McpToolPin(McpToolPinState.Unverifiable, null);
        }

        if (served.Find(entry.McpTool!) is not { } tool)
        {
            return new McpToolPin(McpToolPinState.Drifted, null);
        }

        var digest = McpToolDefinition.Digest(tool);
        return string.Equals(digest, entry.Pin, StringComparison.Ordinal)
            ? new McpToolPin(McpToolPinState.Trusted, null)
            : new McpToolPin(McpToolPinState.Drifted, digest);
    }

    /// <summary>Opens the drift's incident the first time it is seen (per tenant, tool and served digest), whether or not the request that saw it is still there.</summary>
    public async ValueTask ReportDriftAsync(string tenant, string agent, string? workspace, CatalogEntry entry, McpToolPin pin)
    {
        var served = pin.ServedDigest ?? "absent";
        if (!_reported.TryAdd((tenant, entry.Name, served), true))
        {
            return;
        }

        LogDrift(_logger, entry.Name, tenant, entry.Pin ?? string.Empty, served);
        var explanation = JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["control"] = "tool_definition_pin",
            ["code"] = "tool_definition_changed",
            ["server"] = entry.Connector ?? string.Empty,
            ["tool"] = entry.McpTool ?? string.Empty,
            ["pinned"] = entry.Pin ?? string.Empty,
            ["served"] = served,
        });
        try
        {
            // Never the request's token: a caller gone (or an MCP call the agent cancelled) must not leave the drift marked
            // as reported with no incident opened.
            await _incidents.OpenAsync(tenant, agent, entry.Name, served, explanation, null, workspace, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The tool is hidden and refused either way; the next sighting tries the incident again.
            _reported.TryRemove((tenant, entry.Name, served), out _);
            LogIncidentFailed(_logger, entry.Name, tenant, ex);
        }
    }

    [LoggerMessage(EventId = 4310, Level = LogLevel.Warning, Message = "Pinned MCP tool {Tool} of tenant {Tenant} drifted: pinned {Pinned}, served {Served}")]
    private static partial void LogDrift(ILogger logger, string tool, string tenant, string pinned, string served);

    [LoggerMessage(EventId = 4311, Level = LogLevel.Error, Message = "The incident for the drift of MCP tool {Tool} of tenant {Tenant} could not be opened")]
    private static partial void LogIncidentFailed(ILogger logger, string tool, string tenant, Exception exception);
}
