using System.Runtime.CompilerServices;
using System.Text.Json;
using Gateway.Connectors.Mcp;
using Gateway.Connectors.Redaction;
using Gateway.Policy;
using Gateway.Proxy.Telemetry;
using ModelContextProtocol.Protocol;

namespace Gateway.Proxy.Mcp;

/// <summary>
/// <c>tools/list</c> on <c>/mcp</c>: the union of what this agent may use (<see cref="McpCaller.MayUse"/>: a delegated child's grant narrows its agent's), named
/// by <see cref="McpToolNames"/>. A tool of an MCP server is described as its server serves it today (title,
/// description, schemas, annotations), and is left out while its server is unreachable or its definition has drifted
/// from its pin (<see cref="McpToolPins"/>), redacted as the server's own route redacts its listing (<see cref="McpListingRedaction"/>:
/// the pin holds what the server serves, the agent reads it redacted; a definition that cannot be redacted refuses the
/// listing); an HTTP tool or webhook is described by its catalog entry (its <c>description</c> and <c>input_schema</c>).
/// A suspended or revoked agent is listed nothing.
/// </summary>
internal sealed class McpToolListing
{
    private static readonly JsonElement AnyObject = JsonDocument.Parse("""{"type":"object"}""").RootElement.Clone();

    private readonly McpServerToolLists _servers;
    private readonly McpToolPins _pins;
    private readonly GatewayMetrics _metrics;

    // Each served definition redacted once while its server's listing is kept (the same instance until the server is asked again).
    private readonly ConditionalWeakTable<Tool, RedactedTool> _redacted = [];

    public McpToolListing(McpServerToolLists servers, McpToolPins pins, GatewayMetrics metrics)
    {
        _servers = servers;
        _pins = pins;
        _metrics = metrics;
    }

    /// <summary>The tools <paramref name="caller"/> may use, in catalog order.</summary>
    public async ValueTask<IList<Tool>> ListAsync(TenantPolicy tenant, McpCaller caller, CancellationToken cancellationToken)
    {
        var permitted = McpToolNames.For(tenant).Tools.Where(t => caller.MayUse(tenant, t.Entry.Name)).ToList();

        // Each server that serves a permitted tool is asked once, all of them at the same time.
        var servers = new Dictionary<string, Task<McpServerTools>>(StringComparer.Ordinal);
        foreach (var (_, entry) in permitted)
        {
            if (entry.Kind == ConnectorKind.McpTool && entry.Connector is { } name && !servers.ContainsKey(name)
                && tenant.TryGetCatalogEntry(name, out var server) && server is not null)
            {
                servers[name] = _servers.GetAsync(tenant.Slug, server, cancellationToken).AsTask();
            }
        }

        await Task.WhenAll(servers.Values).ConfigureAwait(false);
        var tools = new List<Tool>(permitted.Count);
        var redactions = new RedactionCounts();
        foreach (var (name, entry) in permitted)
        {
            if (entry.Kind != ConnectorKind.McpTool)
            {
                tools.Add(new Tool
                {
                    Name = name,
                    Description = entry.Description ?? $"{WireNames.Of(entry.ActionType)} on {entry.TargetSystem ?? entry.Name}, governed by the gateway.",
                    InputSchema = entry.InputSchema is { } schema ? JsonDocument.Parse(schema).RootElement.Clone() : AnyObject,
                });
                continue;
            }

            if (entry.Connector is null || !servers.TryGetValue(entry.Connector, out var listing))
            {
                continue;
            }

            var served = listing.Result;
            var pin = McpToolPins.Compare(entry, served);
            if (pin.State == McpToolPinState.Drifted)
            {
                await _pins.ReportDriftAsync(tenant.Slug, caller.Agent, caller.Workspace, entry, pin).ConfigureAwait(false);
                continue;
            }

            if (pin.State != McpToolPinState.Trusted || served.Find(entry.McpTool!) is not { } found)
            {
                continue;
            }

            var tool = Redacted(found, entry.Connector, redactions);
            tools.Add(new Tool
            {
                Name = name,
                Title = tool.Title,
                Description = tool.Description,
                InputSchema = tool.InputSchema,
                OutputSchema = tool.OutputSchema,
                Annotations = tool.Annotations,
            });
        }

        _metrics.CountRedactions(redactions);
        return tools;
    }

    /// <summary><paramref name="served"/> redacted (<see cref="McpListingRedaction"/>), its redactions added to <paramref name="counts"/>.</summary>
    private Tool Redacted(Tool served, string server, RedactionCounts counts)
    {
        if (!_redacted.TryGetValue(served, out var redacted))
        {
            var found = new RedactionCounts();
            redacted = new RedactedTool(McpListingRedaction.Redact(served, server, found), found);
            _redacted.AddOrUpdate(served, redacted);
        }

        counts.Add(redacted.Counts);
        return redacted.Tool;
    }

    /// <summary>A served definition as it is listed, and what was redacted from it.</summary>
    private sealed record RedactedTool(Tool Tool, RedactionCounts Counts);
}
