using Gateway.Connectors.Mcp;
using Gateway.Policy;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Gateway.Proxy.Mcp;

/// <summary>
/// <c>prompts/list</c> and <c>resources/list</c> on <c>/mcp</c>: the context packs the agent may read, as resources
/// (<c>gamut-context://pack</c>), then the prompts and resources of every MCP server the agent
/// holds a permission for (the server's own catalog entry, as on <c>/providers/{server}</c>), asked on the gateway's
/// session with each server that offers them, renamed so that a get or a read names its server: a prompt
/// <c>server__prompt</c> (<see cref="McpToolNames"/>), a resource <c>gamut-mcp://server/…</c> (<see cref="McpResourceUris"/>).
/// A server that cannot be reached is left out; the others are listed.
/// </summary>
internal sealed class McpServerListing
{
    private readonly McpServerToolLists _servers;

    public McpServerListing(McpServerToolLists servers) => _servers = servers;

    public async ValueTask<IList<Prompt>> PromptsAsync(TenantPolicy tenant, string agent, CancellationToken cancellationToken)
    {
        var prompts = new List<Prompt>();
        var names = McpToolNames.For(tenant);
        foreach (var (server, served) in await AskAsync(tenant, agent, static (client, ct) =>
            client.ServerCapabilities.Prompts is null ? ValueTask.FromResult<IList<McpClientPrompt>>([]) : client.ListPromptsAsync(cancellationToken: ct), cancellationToken).ConfigureAwait(false))
        {
            var serverName = names.ServerNameOf(server.Name)!;
            prompts.AddRange(served.Select(p => new Prompt
            {
                Name = McpToolNames.ItemName(serverName, p.ProtocolPrompt.Name),
                Title = p.ProtocolPrompt.Title,
                Description = p.ProtocolPrompt.Description,
                Arguments = p.ProtocolPrompt.Arguments,
            }));
        }

        return prompts;
    }

    public async ValueTask<IList<Resource>> ResourcesAsync(TenantPolicy tenant, string agent, CancellationToken cancellationToken)
    {
        var names = McpToolNames.For(tenant);
        var resources = names.ContextPacks.Where(p => tenant.Permits(agent, p.Entry.Name)).Select(p => new Resource
        {
            Uri = McpResourceUris.OfContextPack(p.Name),
            Name = p.Entry.Name,
            Description = p.Entry.Description ?? $"The context pack '{p.Entry.Name}'; read it with ?query=… (and max_bytes=…) for what you need.",
            MimeType = "text/plain",
        }).ToList();
        foreach (var (server, served) in await AskAsync(tenant, agent, static (client, ct) =>
            client.ServerCapabilities.Resources is null ? ValueTask.FromResult<IList<McpClientResource>>([]) : client.ListResourcesAsync(cancellationToken: ct), cancellationToken).ConfigureAwait(false))
        {
            var serverName = names.ServerNameOf(server.Name)!;
            resources.AddRange(served.Select(r => new Resource
            {
                Uri = McpResourceUris.Of(serverName, r.ProtocolResource.Uri),
                Name = r.ProtocolResource.Name,
                Title = r.ProtocolResource.Title,
                Description = r.ProtocolResource.Description,
                MimeType = r.ProtocolResource.MimeType,
                Size = r.ProtocolResource.Size,
            }));
        }

        return resources;
    }

    /// <summary>Asks every server the agent may use, all at once; the ones that answered, in catalog order.</summary>
    private async Task<List<(CatalogEntry Server, IList<T> Items)>> AskAsync<T>(TenantPolicy tenant, string agent,
        Func<McpClient, CancellationToken, ValueTask<IList<T>>> ask, CancellationToken cancellationToken)
    {
        var servers = tenant.Catalog.Where(e => e.Kind == ConnectorKind.Mcp && tenant.Permits(agent, e.Name)).ToList();
        var answers = await Task.WhenAll(servers.Select(s => _servers.WithServerAsync(tenant.Slug, s, ask, cancellationToken).AsTask())).ConfigureAwait(false);
        var found = new List<(CatalogEntry, IList<T>)>();
        for (var i = 0; i < servers.Count; i++)
        {
            if (answers[i] is { } items)
            {
                found.Add((servers[i], items));
            }
        }

        return found;
    }
}
