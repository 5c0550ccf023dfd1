using System.Diagnostics;
using Gateway.Connectors.Kinds;
using Gateway.Connectors.Mcp;
using Gateway.Oversight;
using Gateway.Proxy.A2a;
using Gateway.Policy;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Bundle;
using Gateway.Proxy.Mcp;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;
using Gateway.Proxy.Telemetry;
using Microsoft.AspNetCore.Http.Features;

namespace Gateway.Proxy.Describe;

/// <summary>
/// Describe: turns the authenticated request into the action policy decides (<see cref="DescribedAction"/>).
/// Native routes read their JSON envelope (<see cref="GovernedRequestReader"/>); the provider route reads
/// the raw target strictly (<see cref="ProviderTarget"/>), refuses method overrides and compressed bodies,
/// and maps the request to its connector kind's operation (<see cref="ConnectorType.MatchOperation"/>): a request
/// no operation maps is refused (and recorded), never forwarded as something else. A described payload that carries
/// secret material is refused and recorded (<see cref="SecretMaterialInPayload"/>).
/// </summary>
internal sealed class DescribeStage
{
    private static readonly string[] MethodOverrideHeaders = ["X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override"];

    private readonly RequestDelegate _next;
    private readonly PolicyProvider _policy;
    private readonly GatewayMetrics _metrics;
    private readonly McpOrigins _origins;
    private readonly A2aDescriber _a2a;
    private readonly IServiceProvider _services;

    public DescribeStage(RequestDelegate next, PolicyProvider policy, GatewayMetrics metrics, McpOrigins origins, IWebhookHostResolver webhookHosts, IServiceProvider services)
    {
        _services = services;
        _origins = origins;
        _a2a = new A2aDescriber(webhookHosts);
        _next = next;
        _policy = policy;
        _metrics = metrics;
    }

    public Task InvokeAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var feature = context.GatewayRequest();
        var authenticated = feature.Find<AuthenticatedRequest>();
        var config = context.GetReverseProxyFeature().Route.Config;
        if (authenticated is not null && GatewayRouteKinds.NameOf(config) is { } kind && _services.GetKeyedService<IRouteDescriber>(kind) is { } describer)
        {
            return DescribeWithAsync(describer, context, feature, authenticated, started);
        }

        var route = GatewayRouteKinds.Of(config);
        if (authenticated is not null && route == GatewayRouteKind.A2a)
        {
            return DescribeA2aAsync(context, feature, authenticated, started);
        }

        bool proceed;
        try
        {
            // Only authenticated requests on the gateway's own routes reach this pipeline.
            var (action, refusal) = authenticated is null || route is null ? (null, Refusal.Internal())
                : route == GatewayRouteKind.Provider ? DescribeProvider(context, feature, authenticated)
                : DescribeNative(context, authenticated, route.Value);
            proceed = Accept(context, feature, authenticated, action, refusal);
        }
        finally
        {
            _metrics.RecordStage(GatewayStage.Describe, started);
        }

        return proceed ? _next(context) : Task.CompletedTask;
    }

    /// <summary>A request of a registered route kind, described by the kind's describer.</summary>
    private async Task DescribeWithAsync(IRouteDescriber describer, HttpContext context, GatewayRequestFeature feature, AuthenticatedRequest authenticated, long started)
    {
        bool proceed;
        try
        {
            var (action, refusal) = await describer.DescribeAsync(context, feature, authenticated).ConfigureAwait(false);
            // A request the gateway serves itself: the describer added its LocalAction instead of describing an action.
            proceed = (action is null && refusal is null && feature.Find<LocalAction>() is not null)
                || Accept(context, feature, authenticated, action, refusal ?? (action is null ? Refusal.Internal() : null));
        }
        finally
        {
            _metrics.RecordStage(GatewayStage.Describe, started);
        }

        if (proceed)
        {
            await _next(context).ConfigureAwait(false);
        }
    }

    /// <summary>An A2A request: described asynchronously (a push webhook's host is resolved), then as any other.</summary>
    private async Task DescribeA2aAsync(HttpContext context, GatewayRequestFeature feature, AuthenticatedRequest authenticated, long started)
    {
        bool proceed;
        try
        {
            var (action, refusal) = await _a2a.DescribeAsync(context, feature, authenticated, Tenant(authenticated.Identity)).ConfigureAwait(false);
            proceed = Accept(context, feature, authenticated, action, refusal);
        }
        finally
        {
            _metrics.RecordStage(GatewayStage.Describe, started);
        }

        if (proceed)
        {
            await _next(context).ConfigureAwait(false);
        }
    }

    /// <summary>Adds the described action (or the refusal) to the request's records; whether the walk goes on.</summary>
    private static bool Accept(HttpContext context, GatewayRequestFeature feature, AuthenticatedRequest? authenticated, DescribedAction? action, Refusal? refusal)
    {
        if (action is null)
        {
            feature.Add(refusal!);
            return false;
        }

        feature.Add(action);
        GatewayTelemetry.SetTool(context, action.Request.Tool);
        if (SecretMaterialInPayload.RefusalOf(authenticated!.Body, action) is { } carriesSecrets)
        {
            feature.Add(carriesSecrets);
            return false;
        }

        return true;
    }

    private (DescribedAction? Action, Refusal? Refusal) DescribeNative(HttpContext context, AuthenticatedRequest authenticated, GatewayRouteKind route)
    {
        if (Tenant(authenticated.Identity) is not { } tenant)
        {
            return (null, Refusal.PolicyUnavailable());
        }

        var read = route switch
        {
            GatewayRouteKind.Model => GovernedRequestReader.ReadModel(context.Request, authenticated.Body),
            GatewayRouteKind.Context => GovernedRequestReader.ReadContext(context.Request, authenticated.Body),
            GatewayRouteKind.Writeback => GovernedRequestReader.ReadWriteback(context.Request, authenticated.Body),
            _ => GovernedRequestReader.ReadAction(context.Request, authenticated.Body),
        };
        if (read.Request is not { } request)
        {
            return (null, read.Refusal);
        }

        // A writeback goes only to a workspace store; a name the catalog lacks is decided (and blocked) as any unknown tool.
        if (route == GatewayRouteKind.Writeback && tenant.TryGetCatalogEntry(request.Tool, out var entry) && entry is not null && !entry.Type().AcceptsWriteback(entry))
        {
            return (null, new Refusal(StatusCodes.Status403Forbidden, ProblemCodes.OperationNotMapped,
                $"Connector '{entry.Name}' is not a workspace store (a context connector that declares writeback); nothing was written.")
            {
                AuditTool = entry.Name,
            });
        }

        return (new DescribedAction(route, tenant, request) { Body = read.Body }, null);
    }

    private (DescribedAction? Action, Refusal? Refusal) DescribeProvider(HttpContext context, GatewayRequestFeature feature, AuthenticatedRequest authenticated)
    {
        var rawTarget = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? (context.Request.PathBase + context.Request.Path + context.Request.QueryString).ToString();
        if (!ProviderTarget.TryParse(rawTarget, out var target, out var notCanonical))
        {
            return (null, new Refusal(StatusCodes.Status400BadRequest, ProblemCodes.PathNotCanonical, notCanonical + " Send the path exactly as the provider documents it."));
        }

        // Without the connector's kind (no policy, no such connector), the dialect its target presumes.
        if (Tenant(authenticated.Identity) is not { } tenant)
        {
            feature.Dialect = ProviderDialect.Presume(context.Request.Method, target.Segments);
            return (null, Refusal.PolicyUnavailable());
        }

        if (!tenant.TryGetCatalogEntry(target.Connector, out var named) || named is null || !named.Type().HasOwnUpstream || named.Upstream is null)
        {
            feature.Dialect = ProviderDialect.Presume(context.Request.Method, target.Segments);
            return (null, new Refusal(StatusCodes.Status404NotFound, ProblemCodes.UnknownConnector, $"No connector '{Truncate(target.Connector)}' is in this tenant's catalog."));
        }

        var kind = named.Type();
        feature.Dialect = kind.ErrorFormat switch
        {
            ErrorFormat.OpenAIError => RefusalDialect.OpenAI,
            ErrorFormat.JsonRpc => RefusalDialect.JsonRpc,
            _ => RefusalDialect.Problem,
        };
        var body = authenticated.Body;
        McpRequest? rpc = null;
        string? rpcError = null;
        if (kind.IsMcpServer && !body.IsEmpty && McpRequestParser.TryParse(body.Span, out rpc, out rpcError) && !rpc.IsBatch)
        {
            feature.JsonRpcId = rpc.Messages[0].Id;
        }

        // MCP spoken to one server directly is held to the rules of /mcp: the same Origin check, and the headers the
        // transport mirrors from the body must agree with it.
        if (kind.IsMcpServer && _origins.Check(context.Request, named.Name) is { } originRefused)
        {
            return (null, originRefused);
        }

        if (rpc is { IsBatch: false } && McpMirroredHeaders.Check(context.Request.Headers, rpc.Messages[0], body.Span, named.Name) is { } mismatch)
        {
            return (null, mismatch);
        }

        if (MethodOverrideHeader(context.Request.Headers) is { } overrideHeader)
        {
            return (null, new Refusal(StatusCodes.Status400BadRequest, ProblemCodes.MethodOverrideRefused, $"Method override headers ({overrideHeader}) are refused; send the real method."));
        }

        if (context.Request.Headers.ContentEncoding is { Count: > 0 } encoding && !string.Equals(encoding.ToString(), "identity", StringComparison.OrdinalIgnoreCase))
        {
            return (null, new Refusal(StatusCodes.Status415UnsupportedMediaType, ProblemCodes.UnsupportedMediaType, "A compressed request body cannot be inspected; send it uncompressed."));
        }

        if (kind.MatchOperation(tenant, named, context.Request.Method, target.Segments) is not { } operation)
        {
            return (null, new Refusal(StatusCodes.Status403Forbidden, ProblemCodes.OperationNotMapped,
                $"{context.Request.Method} /{Truncate(target.CanonicalPath)} is not an operation connector '{named.Name}' declares; nothing was forwarded.")
            {
                AuditTool = named.Name,
            });
        }

        var described = ProviderActionDescriber.Describe(tenant, operation, target.RawQuery, body, context.Request.ContentType, rpc, rpcError);
        if (described.Request is not { } request)
        {
            return (null, described.Refusal);
        }

        return (new DescribedAction(GatewayRouteKind.Provider, tenant, request) { Target = target, Operation = operation, Mcp = described.Mcp, Body = described.Body }, null);
    }

    private TenantPolicy? Tenant(AgentIdentity identity) =>
        _policy.Current?.Set is { } set && set.TryGetTenant(identity.Tenant, out var tenant) ? tenant : null;

    private static string? MethodOverrideHeader(IHeaderDictionary headers)
    {
        foreach (var name in MethodOverrideHeaders)
        {
            if (headers.ContainsKey(name))
            {
                return name;
            }
        }

        return null;
    }

    private static string Truncate(string value) => value.Length <= 64 ? value : value[..64] + "…";
}
