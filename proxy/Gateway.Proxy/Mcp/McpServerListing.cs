using System.Text.Json.Nodes;
using Gateway.Connectors.Mcp;
using Gateway.Connectors.Redaction;
using Gateway.Policy;
using Gateway.Proxy.Telemetry;
using ModelContextProtocol.Protocol;

namespace Gateway.Proxy.Mcp;

/// <summary>
/// <c>prompts/list</c>, <c>resources/list</c> and <c>resources/templates/list</c> on <c>/mcp</c>: the context packs the agent may read, as resources
/// (<c>gamut-context://pack</c>), then the prompts and resources of every MCP server the agent
/// holds a permission for (the server's own catalog entry, as on <c>/providers/{server}</c>), asked on the gateway's
/// session with each server that offers them, renamed so that a get or a read names its server: a prompt
/// <c>server__prompt</c> (<see cref="McpToolNames"/>), a resource <c>gamut-mcp://server/…</c> (<see cref="McpResourceUris"/>).
/// A server that cannot be reached is left out; the others are listed. What a server lists is redacted as its own route
/// redacts it (<see cref="McpListingRedaction"/>), before it is renamed: a listing that cannot be is refused whole.
/// Each server's listing is read a page at a time, bounded (<see cref="McpServerToolLists.ReadPagesAsync"/>): one that
/// goes on past the bounds leaves that server out. What a server lists is kept as its tools are, and read once however
/// many ask at the same time (<see cref="McpServerToolLists.ResourcesAsync"/>); everything below is done per caller, on
/// the kept listing. Each listing counts against the agent's calls in flight (<c>7-Forward/McpServerDestination.cs</c>).
/// An item whose read the policy blocks for the caller is left out (<see cref="McpReadClearance.Lists"/>): a resource as
/// the read of its URI, a template as the read of the template as written, a prompt as its get without arguments; one
/// whose read needs an approval is listed.
/// </summary>
internal sealed class McpServerListing
{
    private readonly McpServerToolLists _servers;
    private readonly GatewayMetrics _metrics;

    public McpServerListing(McpServerToolLists servers, GatewayMetrics metrics)
    {
        _servers = servers;
        _metrics = metrics;
    }

    public async ValueTask<IList<Prompt>> PromptsAsync(TenantPolicy tenant, McpCaller caller, CancellationToken cancellationToken) =>
        await AskAsync(tenant, caller, _servers.PromptsAsync,
            static p => new JsonObject { ["prompt"] = p.Name, ["arguments"] = new JsonObject() },
            static (serverName, p) => new Prompt
            {
                Name = McpToolNames.ItemName(serverName, p.Name),
                Title = p.Title,
                Description = p.Description,
                Arguments = p.Arguments,
            }, cancellationToken).ConfigureAwait(false);

    public async ValueTask<IList<Resource>> ResourcesAsync(TenantPolicy tenant, McpCaller caller, CancellationToken cancellationToken)
    {
        var resources = McpToolNames.For(tenant).ContextPacks.Where(p => caller.MayUse(tenant, p.Entry.Name)).Select(p => new Resource
        {
            Uri = McpResourceUris.OfContextPack(p.Name),
            Name = p.Entry.Name,
            Description = p.Entry.Description ?? $"The context pack '{p.Entry.Name}'; read it with ?query=… (and max_bytes=…) for what you need.",
            MimeType = "text/plain",
        }).ToList();
        resources.AddRange(await AskAsync(tenant, caller, _servers.ResourcesAsync,
            static r => new JsonObject { ["uri"] = r.Uri },
            static (serverName, r) => new Resource
            {
                Uri = McpResourceUris.Of(serverName, r.Uri),
                Name = r.Name,
                Title = r.Title,
                Description = r.Description,
                MimeType = r.MimeType,
                Size = r.Size,
            }, cancellationToken).ConfigureAwait(false));
        return resources;
    }

    public async ValueTask<IList<ResourceTemplate>> ResourceTemplatesAsync(TenantPolicy tenant, McpCaller caller, CancellationToken cancellationToken) =>
        await AskAsync(tenant, caller, _servers.ResourceTemplatesAsync,
            static t => new JsonObject { ["uri"] = t.UriTemplate },
            static (serverName, t) => new ResourceTemplate
            {
                UriTemplate = McpResourceUris.OfTemplate(serverName, t.UriTemplate),
                Name = t.Name,
                Title = t.Title,
                Description = t.Description,
                MimeType = t.MimeType,
            }, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Asks every server the agent may use, all at once, and names what each served, redacted, under the server's name on
    /// <c>/mcp</c> (<paramref name="rename"/>), less each item whose read (<paramref name="readOf"/>) the policy blocks for the
    /// caller; the servers that answered, in catalog order. Throws the listing's refusal
    /// when an item cannot be redacted (<see cref="McpListingRedaction"/>).
    /// </summary>
    private async Task<List<TListed>> AskAsync<TServed, TListed>(TenantPolicy tenant, McpCaller caller,
        Func<string, CatalogEntry, CancellationToken, ValueTask<IReadOnlyList<TServed>?>> ask, Func<TServed, JsonObject> readOf, Func<string, TServed, TListed> rename, CancellationToken cancellationToken)
        where TServed : class
    {
        var names = McpToolNames.For(tenant);
        var who = caller.Who ?? new AuthenticatedCaller(tenant.Slug, caller.Workspace ?? string.Empty, caller.Agent) { Delegation = caller.Grant };
        var servers = tenant.Catalog.Where(e => e.Kind == ConnectorKind.Mcp && caller.MayUse(tenant, e.Name)).ToList();
        var answers = await Task.WhenAll(servers.Select(s => ask(tenant.Slug, s, cancellationToken).AsTask())).ConfigureAwait(false);
        var listed = new List<TListed>();
        var redactions = new RedactionCounts();
        for (var i = 0; i < servers.Count; i++)
        {
            if (answers[i] is { } served)
            {
                var serverName = names.ServerNameOf(servers[i].Name)!;
                foreach (var item in served)
                {
                    if (!McpReadClearance.Lists(tenant, who, servers[i], readOf(item)))
                    {
                        continue;
                    }

                    listed.Add(rename(serverName, McpListingRedaction.Redact(item, servers[i].Name, redactions)));
                }
            }
        }

        _metrics.CountRedactions(redactions);
        return listed;
    }
}
