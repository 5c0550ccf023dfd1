using Gateway.Connectors.Mcp;
using Gateway.Connectors.Redaction;
using Gateway.Policy;
using Gateway.Proxy.Telemetry;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Gateway.Proxy.Mcp;

/// <summary>
/// <c>prompts/list</c>, <c>resources/list</c>, <c>resources/templates/list</c> and <c>completion/complete</c> on <c>/mcp</c>: the context packs the agent may read, as resources
/// (<c>gamut-context://pack</c>), then the prompts and resources of every MCP server the agent
/// holds a permission for (the server's own catalog entry, as on <c>/providers/{server}</c>), asked on the gateway's
/// session with each server that offers them, renamed so that a get or a read names its server: a prompt
/// <c>server__prompt</c> (<see cref="McpToolNames"/>), a resource <c>gamut-mcp://server/…</c> (<see cref="McpResourceUris"/>).
/// A server that cannot be reached is left out; the others are listed. What a server lists is redacted as its own route
/// redacts it (<see cref="McpListingRedaction"/>), before it is renamed: a listing that cannot be is refused whole.
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
        await AskAsync(tenant, caller, static async ValueTask<List<Prompt>> (client, ct) =>
            client.ServerCapabilities.Prompts is null ? [] : [.. (await client.ListPromptsAsync(cancellationToken: ct).ConfigureAwait(false)).Select(static p => p.ProtocolPrompt)],
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
        resources.AddRange(await AskAsync(tenant, caller, static async ValueTask<List<Resource>> (client, ct) =>
            client.ServerCapabilities.Resources is null ? [] : [.. (await client.ListResourcesAsync(cancellationToken: ct).ConfigureAwait(false)).Select(static r => r.ProtocolResource)],
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
        await AskAsync(tenant, caller, static async ValueTask<List<ResourceTemplate>> (client, ct) =>
            client.ServerCapabilities.Resources is null ? [] : [.. (await client.ListResourceTemplatesAsync(cancellationToken: ct).ConfigureAwait(false)).Select(static t => t.ProtocolResourceTemplate)],
            static (serverName, t) => new ResourceTemplate
            {
                UriTemplate = McpResourceUris.OfTemplate(serverName, t.UriTemplate),
                Name = t.Name,
                Title = t.Title,
                Description = t.Description,
                MimeType = t.MimeType,
            }, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// <c>completion/complete</c> for a prompt (<c>server__prompt</c>) or a resource template (<c>gamut-mcp://server/…</c>)
    /// of a server the agent may use, whose read the policy would let it make (<see cref="McpReadClearance"/>): asked
    /// of that server under its own names, the values redacted; nothing for anything else (a context pack, a server the
    /// agent may not use, a read it may not make, a server that cannot be reached or does not complete).
    /// </summary>
    public async ValueTask<Completion> CompleteAsync(TenantPolicy tenant, McpCaller caller, AuthenticatedCaller who, CompleteRequestParams request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var names = McpToolNames.For(tenant);
        (CatalogEntry Server, Reference Reference)? target = request.Ref switch
        {
            PromptReference prompt when names.TryResolveItem(prompt.Name, out var server, out var item) => (server, new PromptReference { Name = item }),
            ResourceTemplateReference { Uri: { } templateUri } when McpResourceUris.TryParse(templateUri, out var serverName, out var uri) && names.TryResolveServer(serverName, out var server) =>
                (server, new ResourceTemplateReference { Uri = uri }),
            _ => null,
        };
        if (target is not { } found || !caller.MayUse(tenant, found.Server.Name) || !McpReadClearance.PermitsCompletion(tenant, who, found.Server, found.Reference, request))
        {
            return new Completion { Values = [] };
        }

        var asked = new CompleteRequestParams { Ref = found.Reference, Argument = request.Argument, Context = request.Context };
        var answer = await _servers.WithServerAsync(tenant.Slug, found.Server, (client, ct) =>
            client.ServerCapabilities.Completions is null ? ValueTask.FromResult(new CompleteResult()) : client.CompleteAsync(asked, ct), cancellationToken).ConfigureAwait(false);
        if (answer?.Completion is not { } completion)
        {
            return new Completion { Values = [] };
        }

        // The values are the server's data: only those whose read the caller may make, redacted as any answer that reaches an agent.
        var redactions = new RedactionCounts();
        var values = completion.Values.Where(v => McpReadClearance.PermitsCompletedValue(tenant, who, found.Server, found.Reference, request, v)).ToList();
        var completed = new Completion
        {
            Values = [.. values.Select(v => TextRedactor.Redact(v, redactions))],
            Total = values.Count == completion.Values.Count ? completion.Total : null,
            HasMore = completion.HasMore,
        };
        _metrics.CountRedactions(redactions);
        return completed;
    }

    /// <summary>
    /// Asks every server the agent may use, all at once, and names what each served, redacted, under the server's name on
    /// <c>/mcp</c> (<paramref name="rename"/>); the servers that answered, in catalog order. Throws the listing's refusal
    /// when an item cannot be redacted (<see cref="McpListingRedaction"/>).
    /// </summary>
    private async Task<List<TListed>> AskAsync<TServed, TListed>(TenantPolicy tenant, McpCaller caller,
        Func<McpClient, CancellationToken, ValueTask<List<TServed>>> ask, Func<string, TServed, TListed> rename, CancellationToken cancellationToken)
        where TServed : class
    {
        var names = McpToolNames.For(tenant);
        var servers = tenant.Catalog.Where(e => e.Kind == ConnectorKind.Mcp && caller.MayUse(tenant, e.Name)).ToList();
        var answers = await Task.WhenAll(servers.Select(s => _servers.WithServerAsync(tenant.Slug, s, ask, cancellationToken).AsTask())).ConfigureAwait(false);
        var listed = new List<TListed>();
        var redactions = new RedactionCounts();
        for (var i = 0; i < servers.Count; i++)
        {
            if (answers[i] is { } served)
            {
                var serverName = names.ServerNameOf(servers[i].Name)!;
                foreach (var item in served)
                {
                    listed.Add(rename(serverName, McpListingRedaction.Redact(item, servers[i].Name, redactions)));
                }
            }
        }

        _metrics.CountRedactions(redactions);
        return listed;
    }
}
