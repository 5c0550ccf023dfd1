using System.Reflection;
using Gateway.Connectors.Mcp;
using Gateway.Proxy.Admit;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Bundle;
using Gateway.Proxy.Mcp;
using Gateway.Proxy.Pipeline;
using Microsoft.Extensions.Options;
using ModelContextProtocol;
using ModelContextProtocol.AspNetCore;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Gateway.Proxy.Hosting;

/// <summary>
/// The gateway's own MCP server on <c>/mcp</c>, hosted with the official .NET SDK (streamable HTTP, stateful sessions
/// that any replica continues through <see cref="McpSessionMigration"/>). It serves <c>initialize</c>, <c>ping</c>,
/// <c>tools/list</c> (<see cref="McpToolListing"/>) and the notification stream; a <c>tools/call</c> never reaches it
/// (<see cref="McpEndpointGate"/> sends it down the governed walk).
/// </summary>
internal static class McpServerHosting
{
    public static IServiceCollection AddGatewayMcpServer(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<McpEndpointOptions>().Bind(configuration.GetSection(McpEndpointOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddHttpContextAccessor();
        services.AddSingleton<McpServerToolLists>();
        services.AddSingleton<McpToolPins>();
        services.AddSingleton<McpToolListing>();
        services.AddSingleton<McpSessions>();
        services.AddSingleton<ISessionMigrationHandler, McpSessionMigration>();
        services.AddOptions<HttpServerTransportOptions>().Configure<IOptions<McpEndpointOptions>>(static (transport, endpoint) =>
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
        });
        services.AddMcpServer(static options =>
            {
                options.ServerInfo = new Implementation
                {
                    Name = "gamut-gateway",
                    Title = "Gamut Gateway",
                    Version = typeof(McpServerHosting).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0",
                };
                options.Capabilities = new ServerCapabilities { Tools = new ToolsCapability { ListChanged = true } };
                options.ServerInstructions = "Every tool here is governed: each call is decided by policy, recorded, and carried out with a credential you never hold. "
                    + "A refusal is a JSON-RPC error with code -31000 whose data says why (data.code, data.decision, data.explanation); "
                    + "an approval is retried with params._meta[\"" + McpEndpoint.WarrantMetaKey + "\"] set to the warrant.";
            })
            .WithHttpTransport()
            .WithListToolsHandler(ListToolsAsync)
            .WithCallToolHandler(static (_, _) => throw new McpProtocolException("tools/call is carried out by the gateway's governed route.", McpErrorCode.InternalError));
        return services;
    }

    public static IEndpointConventionBuilder MapGatewayMcp(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapMcp(McpEndpoint.Path)
            .RequireAuthorization(AgentSignatureDefaults.AuthorizationPolicy)
            .AcceptAccessTokens(McpEndpoint.Path)
            .WithMetadata(McpServerEndpointMetadata.Instance);

    private static async ValueTask<ListToolsResult> ListToolsAsync(RequestContext<ListToolsRequestParams> request, CancellationToken cancellationToken)
    {
        var services = request.Services ?? request.Server.Services!;
        var feature = services.GetRequiredService<IHttpContextAccessor>().HttpContext?.Features.Get<GatewayRequestFeature>();

        // Only an admitted request is listed anything (its nonce stored, its kill switches read), and a suspended
        // or revoked agent nothing at all.
        if (feature?.Find<Admission>() is not { Identity: { Suspended: false } identity }
            || services.GetRequiredService<PolicyProvider>().Current?.Set is not { } set || !set.TryGetTenant(identity.Tenant, out var tenant) || tenant is null)
        {
            return new ListToolsResult { Tools = [] };
        }

        var tools = await services.GetRequiredService<McpToolListing>().ListAsync(tenant, identity.Agent, identity.Workspace, cancellationToken).ConfigureAwait(false);
        services.GetRequiredService<McpSessions>().Listens(request.Server.SessionId, request.Server, identity.Tenant, identity.Agent);
        return new ListToolsResult { Tools = tools };
    }
}
