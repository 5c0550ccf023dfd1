using System.Reflection;
using Gateway.Connectors.Mcp;
using Gateway.Proxy.Admit;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Bundle;
using Gateway.Proxy.Describe;
using Gateway.Proxy.Forward;
using Gateway.Proxy.Mcp;
using Gateway.Proxy.Respond;
using Microsoft.Extensions.Options;
using ModelContextProtocol;
using ModelContextProtocol.AspNetCore;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Gateway.Proxy.Hosting;

/// <summary>
/// The gateway's own MCP server on <c>/mcp</c>, hosted with the official .NET SDK (streamable HTTP, stateful sessions
/// that any replica continues through <see cref="McpSessionMigration"/>). It serves <c>initialize</c>, <c>ping</c>,
/// <c>tools/list</c> (<see cref="McpToolListing"/>), <c>prompts/list</c>, <c>resources/list</c> and
/// <c>resources/templates/list</c> (<see cref="McpServerListing"/>), <c>resources/unsubscribe</c> and the notification stream
/// (a subscribed resource's updates among them: <see cref="McpResourceSubscriptions"/>, to the sessions it runs here,
/// <see cref="McpServedSessions"/>); a tool call, a prompt, a resource read, a subscription or a completion never reaches it
/// (each is a governed call, forwarded to its server). Routing never matches its endpoints: <c>/mcp</c> is the route of
/// kind <see cref="McpEndpoint.RouteKind"/>, walked by the stages (<see cref="McpDescriber"/>, <see cref="McpAdmission"/>,
/// <see cref="McpServerDestination"/>, <see cref="McpResponder"/>), whose local destination invokes them as the admitted
/// agent (<see cref="McpServedCaller"/>, the user the SDK hands each message).
/// </summary>
internal static class McpServerHosting
{
    public static IServiceCollection AddGatewayMcpServer(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<McpEndpointOptions>().Bind(configuration.GetSection(McpEndpointOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<McpToolListCache>();
        services.AddSingleton(static services => ActivatorUtilities.CreateInstance<McpServerToolLists>(services, InForce(services.GetRequiredService<PolicyProvider>())));
        services.AddSingleton<McpToolPins>();
        services.AddSingleton<McpToolListing>();
        services.AddSingleton<McpServerListing>();
        services.AddSingleton<McpSessions>();
        services.AddSingleton<McpOrigins>();
        services.AddSingleton<McpSessionBinding>();
        services.AddSingleton<McpServerSessionCloser>();
        services.AddSingleton<McpServerRequests>();
        services.AddSingleton<McpCallStreams>();
        services.AddSingleton<McpAnswerRelay>();
        services.AddSingleton<McpResourceSubscriptions>();
        services.AddSingleton<McpServedSessions>();
        services.AddSingleton<McpServerCallAnswers>();
        services.AddSingleton<McpUrlElicitationSupport>();
        services.AddSingleton<McpApprovalElicitation>();
        services.AddSingleton<McpLinkElicitation>();
        services.AddSingleton<McpCallResponder>();
        services.AddSingleton<ISessionMigrationHandler, McpSessionMigration>();
        services.AddRouteKind<McpDescriber, McpResponder>(GatewayRoutes.Route(McpEndpoint.RouteId, McpEndpoint.Path, ["GET", "POST", "DELETE"], McpEndpoint.RouteKind))
            .AddRouteAdmission<McpAdmission>(McpEndpoint.RouteKind)
            .AddLocalDestination<McpServerDestination>(McpEndpoint.RouteKind);
        services.AddOptions<HttpServerTransportOptions>().Configure<IOptions<McpEndpointOptions>, McpServedSessions>(static (transport, endpoint, served) =>
        {
            // Clients of the 2026-07-28 revision are served per request, with no session at all; clients of the
            // initialize handshake (2025-11-25 and earlier: the TypeScript SDK, most desktop clients) get a session,
            // kept in the store so that any replica continues it. The SDK marks the session settings obsolete because
            // sessions exist only for those older clients, which is exactly why they are set here.
            transport.SessionMode = HttpServerSessionMode.StatefulForInitializeClients;
#pragma warning disable MCP9006
            transport.IdleTimeout = endpoint.Value.IdleTimeout;
            transport.MaxIdleSessionCount = endpoint.Value.MaxIdleSessions;
#pragma warning restore MCP9006
#pragma warning disable MCPEXP002
            // Each session the SDK runs here is known by its id while it runs: where its subscribed resources' updates go.
            transport.RunSessionHandler = (context, server, cancellationToken) => served.RunAsync(server, context.User, cancellationToken);
#pragma warning restore MCPEXP002
        });
        services.AddMcpServer(static options =>
            {
                options.ServerInfo = new Implementation
                {
                    Name = "gamut-gateway",
                    Title = "Gamut Gateway",
                    Version = typeof(McpServerHosting).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0",
                };
                options.Capabilities = new ServerCapabilities
                {
                    Tools = new ToolsCapability { ListChanged = true },
                    Prompts = new PromptsCapability(),
                    Resources = new ResourcesCapability { Subscribe = true },
                    Completions = new CompletionsCapability(),
                };
                options.ServerInstructions = "Every tool here is governed: each call is decided by policy, recorded, and carried out with a credential you never hold. "
                    + "A refusal is a JSON-RPC error with code -31000 whose data says why (data.code, data.decision, data.explanation); "
                    + "an approval is retried with params._meta[\"" + McpEndpoint.WarrantMetaKey + "\"] set to the warrant.";
            })
            .WithHttpTransport()
            .WithListToolsHandler(ListToolsAsync)
            .WithListPromptsHandler(ListPromptsAsync)
            .WithListResourcesHandler(ListResourcesAsync)
            .WithListResourceTemplatesHandler(ListResourceTemplatesAsync)
            // A completion reaches here only when no server of the agent's serves its prompt or template (McpDescriber): no values.
            .WithCompleteHandler(static (_, _) => ValueTask.FromResult(new CompleteResult { Completion = new Completion { Values = [] } }))
            .WithSubscribeToResourcesHandler(static (_, _) => throw NotHere())
            .WithUnsubscribeFromResourcesHandler(UnsubscribeAsync)
            .WithCallToolHandler(static (_, _) => throw NotHere())
            .WithGetPromptHandler(static (_, _) => throw NotHere())
            .WithReadResourceHandler(static (_, _) => throw NotHere());
        return services;
    }

    /// <summary>
    /// Maps the MCP server's own endpoints, which routing never matches (the kind's local destination invokes them); they
    /// name <c>/mcp</c> as a protected resource whatever YARP's configuration holds yet.
    /// </summary>
    public static IEndpointConventionBuilder MapGatewayMcp(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapMcp(McpEndpoint.Path)
            .AcceptAccessTokens(McpEndpoint.Path)
            .WithMetadata(McpServerEndpointMetadata.Instance, new SuppressMatchingMetadata());

    private static async ValueTask<ListToolsResult> ListToolsAsync(RequestContext<ListToolsRequestParams> request, CancellationToken cancellationToken)
    {
        if (Admitted(request) is not { } caller)
        {
            return new ListToolsResult { Tools = [] };
        }

        var services = caller.Services;
        var tools = await services.GetRequiredService<McpToolListing>().ListAsync(caller.Tenant, caller.Mcp, cancellationToken).ConfigureAwait(false);
        services.GetRequiredService<McpSessions>().Listens(request.Server.SessionId, request.Server, caller.Identity.Tenant, caller.Identity.Agent);
        return new ListToolsResult { Tools = tools };
    }

    private static async ValueTask<ListPromptsResult> ListPromptsAsync(RequestContext<ListPromptsRequestParams> request, CancellationToken cancellationToken) =>
        Admitted(request) is { } caller
            ? new ListPromptsResult { Prompts = await caller.Services.GetRequiredService<McpServerListing>().PromptsAsync(caller.Tenant, caller.Mcp, cancellationToken).ConfigureAwait(false) }
            : new ListPromptsResult { Prompts = [] };

    private static async ValueTask<ListResourcesResult> ListResourcesAsync(RequestContext<ListResourcesRequestParams> request, CancellationToken cancellationToken) =>
        Admitted(request) is { } caller
            ? new ListResourcesResult { Resources = await caller.Services.GetRequiredService<McpServerListing>().ResourcesAsync(caller.Tenant, caller.Mcp, cancellationToken).ConfigureAwait(false) }
            : new ListResourcesResult { Resources = [] };

    private static async ValueTask<ListResourceTemplatesResult> ListResourceTemplatesAsync(RequestContext<ListResourceTemplatesRequestParams> request, CancellationToken cancellationToken) =>
        Admitted(request) is { } caller
            ? new ListResourceTemplatesResult { ResourceTemplates = await caller.Services.GetRequiredService<McpServerListing>().ResourceTemplatesAsync(caller.Tenant, caller.Mcp, cancellationToken).ConfigureAwait(false) }
            : new ListResourceTemplatesResult { ResourceTemplates = [] };

    private static async ValueTask<EmptyResult> UnsubscribeAsync(RequestContext<UnsubscribeRequestParams> request, CancellationToken cancellationToken)
    {
        if (Admitted(request) is { } caller && request.Params?.Uri is { } uri && request.Server.SessionId is { } session)
        {
            await caller.Services.GetRequiredService<McpResourceSubscriptions>().UnsubscribeAsync(caller.Tenant.Slug, session, uri).ConfigureAwait(false);
        }

        return new EmptyResult();
    }

    /// <summary>
    /// The caller of a listing, the message's user (<see cref="McpServedCaller"/>): only an admitted request is listed
    /// anything (its nonce stored, its kill switches read), and a suspended or revoked agent nothing at all.
    /// </summary>
    private static Caller? Admitted<TParams>(RequestContext<TParams> request)
    {
        var services = request.Services ?? request.Server.Services!;
        return request.User is McpServedCaller { Admitted: { Suspended: false } identity, Tenant: { } tenant }
            ? new Caller(identity, tenant, services)
            : null;
    }

    /// <summary>A tenant's server as the policy in force defines it: the only credential binding its upstream sessions are opened with.</summary>
    private static Func<string, string, Gateway.Policy.CatalogEntry?> InForce(PolicyProvider policy) =>
        (tenant, server) => policy.Current?.Set is { } set && set.TryGetTenant(tenant, out var policies) && policies!.TryGetCatalogEntry(server, out var entry) ? entry : null;

    private static McpProtocolException NotHere() => new("Governed calls are carried out by the gateway's governed route.", McpErrorCode.InternalError);

    private sealed record Caller(AgentIdentity Identity, Gateway.Policy.TenantPolicy Tenant, IServiceProvider Services)
    {
        /// <summary>The caller as the listings see it.</summary>
        public McpCaller Mcp => new(Identity.Agent, Identity.Workspace, Identity.Delegation?.Scope) { Who = Identity.Caller };
    }
}
