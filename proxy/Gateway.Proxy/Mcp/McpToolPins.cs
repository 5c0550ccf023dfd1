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
/// <c>/mcp</c>'s listing and refused on every route until the pin is renewed; a drift to a served digest not among the
/// tool's last <see cref="RememberedPerTool"/> reported (per tenant, tool and pin) opens an incident naming it.
/// </summary>
internal sealed partial class McpToolPins
{
    private readonly McpServerToolLists _servers;
    private readonly IncidentService _incidents;
    private readonly ILogger<McpToolPins> _logger;
    private readonly ConcurrentDictionary<(string Tenant, string Tool), DriftMemory> _reported = new();

    public McpToolPins(McpServerToolLists servers, IncidentService incidents, ILogger<McpToolPins> logger)
    {
        _servers = servers;
        _incidents = incidents;
        _logger = logger;
    }

    /// <summary>
    /// How many served digests of one pinned tool are remembered as reported: a server cycling through that many
    /// definitions opens one incident for each, once; one making up a new definition every listing opens one for each new
    /// one, and the memory stays this size.
    /// </summary>
    internal const int RememberedPerTool = 8;

    /// <summary>The served digests remembered as reported, over every tenant and tool.</summary>
    internal int RememberedDigests => _reported.Values.Sum(static m => m.Count);

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

    /// <summary>Opens the drift's incident unless its served digest is among the tool's last reported under this pin, whether or not the request that saw it is still there.</summary>
    public async ValueTask ReportDriftAsync(string tenant, string agent, string? workspace, CatalogEntry entry, McpToolPin pin)
    {
        var served = pin.ServedDigest ?? "absent";
        var memory = _reported.GetOrAdd((tenant, entry.Name), static _ => new DriftMemory(RememberedPerTool));
        if (!memory.TryRemember(entry.Pin ?? string.Empty, served))
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
            memory.Forget(entry.Pin ?? string.Empty, served);
            LogIncidentFailed(_logger, entry.Name, tenant, ex);
        }
    }

    [LoggerMessage(EventId = 4310, Level = LogLevel.Warning, Message = "Pinned MCP tool {Tool} of tenant {Tenant} drifted: pinned {Pinned}, served {Served}")]
    private static partial void LogDrift(ILogger logger, string tool, string tenant, string pinned, string served);

    [LoggerMessage(EventId = 4311, Level = LogLevel.Error, Message = "The incident for the drift of MCP tool {Tool} of tenant {Tenant} could not be opened")]
    private static partial void LogIncidentFailed(ILogger logger, string tool, string tenant, Exception exception);

    /// <summary>
    /// The served digests of one pinned tool (of one tenant) whose drift was last reported, at most a fixed number, the least
    /// recently seen forgotten first; a pin other than the one they were reported under (renewed) forgets them all.
    /// </summary>
    private sealed class DriftMemory
    {
        private readonly int _capacity;
        private readonly LinkedList<string> _served = [];
        private readonly Lock _gate = new();
        private string? _pin;

        public DriftMemory(int capacity)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
            _capacity = capacity;
        }

        /// <summary>How many served digests are remembered.</summary>
        public int Count
        {
            get
            {
                lock (_gate)
                {
                    return _served.Count;
                }
            }
        }

        /// <summary>Remembers <paramref name="served"/> under <paramref name="pin"/>: true when it was not remembered (its drift is to be reported).</summary>
        public bool TryRemember(string pin, string served)
        {
            lock (_gate)
            {
                if (!string.Equals(_pin, pin, StringComparison.Ordinal))
                {
                    _pin = pin;
                    _served.Clear();
                }

                if (_served.Find(served) is { } seen)
                {
                    // Seen again: the last to be forgotten.
                    _served.Remove(seen);
                    _served.AddFirst(seen);
                    return false;
                }

                _served.AddFirst(served);
                if (_served.Count > _capacity)
                {
                    _served.RemoveLast();
                }

                return true;
            }
        }

        /// <summary>Forgets <paramref name="served"/> (its incident could not be opened), so that its next sighting reports it again.</summary>
        public void Forget(string pin, string served)
        {
            lock (_gate)
            {
                if (string.Equals(_pin, pin, StringComparison.Ordinal))
                {
                    _served.Remove(served);
                }
            }
        }
    }
}
