using System.Text.Json;
using Gateway.Connectors.Mcp;
using Gateway.Policy;
using ModelContextProtocol.Protocol;

namespace Gateway.Proxy.Mcp;

/// <summary>
/// <c>tools/list</c> on <c>/mcp</c>: the union of what this agent may use (<see cref="McpCaller.MayUse"/>: a delegated child's grant narrows its agent's), named
/// by <see cref="McpToolNames"/>. A tool of an MCP server is described as its server serves it today (title,
/// description, schemas, annotations), and is left out while its server is unreachable or its definition has drifted
/// from its pin (<see cref="McpToolPins"/>); an HTTP tool or webhook is described by its catalog entry (its
/// <c>description</c> and <c>input_schema</c>). A suspended or revoked agent is listed nothing.
/// </summary>
internal sealed class McpToolListing
{
    private static readonly JsonElement AnyObject = JsonDocument.Parse("""{"type":"object"}""").RootElement.Clone();

    private readonly McpServerToolLists _servers;
    private readonly McpToolPins _pins;

    public McpToolListing(McpServerToolLists servers, McpToolPins pins)
    {
        _servers = servers;
        _pins = pins;
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
                await _pins.ReportDriftAsync(tenant.Slug, caller.Agent, caller.Workspace, entry, pin, cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (pin.State != McpToolPinState.Trusted || served.Find(entry.McpTool!) is not { } tool)
            {
                continue;
            }

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

        return tools;
    }
}
