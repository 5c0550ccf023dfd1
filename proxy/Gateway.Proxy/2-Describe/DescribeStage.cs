using Gateway.Connectors.Mcp;
using Gateway.Policy;
using Microsoft.AspNetCore.Http.Features;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Bundle;
using Gateway.Proxy.Enforce;
using Gateway.Proxy.Hosting;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Record;
using Gateway.Proxy.Refusals;
using Gateway.Proxy.Routing;
using Gateway.Proxy.Telemetry;

namespace Gateway.Proxy.Describe;

/// <summary>
/// Describe: turns the request into the action policy decides. Native routes read their JSON envelope
/// (<see cref="GovernedRequestReader"/>); the provider route reads the raw target strictly
/// (<see cref="ProviderTarget"/>), refuses method overrides and compressed bodies, and maps the request
/// to its connector kind's operation (<see cref="ProviderOperations"/>): a request no operation maps is
/// refused (and recorded), never forwarded as something else.
/// </summary>
internal sealed class DescribeStage
{
    private static readonly string[] MethodOverrideHeaders = ["X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override"];

    private readonly RequestDelegate _next;
    private readonly PolicyProvider _policy;
    private readonly AuditRecorder _audit;

    public DescribeStage(RequestDelegate next, PolicyProvider policy, AuditRecorder audit)
    {
        _next = next;
        _policy = policy;
        _audit = audit;
    }

    public Task InvokeAsync(HttpContext context)
    {
        var feature = context.Features.GetRequiredFeature<GatewayRequestFeature>();
        if (feature.Agent is not { } identity || GatewayRoutes.KindOf(context.GetReverseProxyFeature().Route.Config) is not { } route)
        {
            // Only authenticated requests on the gateway's own routes reach this pipeline.
            return ProblemResponse.WriteAsync(context, StatusCodes.Status500InternalServerError, ProblemCodes.InternalError,
                "The gateway failed to handle the request; nothing was forwarded.");
        }

        return route == GatewayRouteKind.Provider
            ? DescribeProviderAsync(context, feature, identity)
            : DescribeNativeAsync(context, feature, identity, route);
    }

    private async Task DescribeNativeAsync(HttpContext context, GatewayRequestFeature feature, AgentIdentity identity, GatewayRouteKind route)
    {
        if (Tenant(identity) is not { } tenant)
        {
            await PolicyUnavailableAsync(context).ConfigureAwait(false);
            return;
        }

        var read = route switch
        {
            GatewayRouteKind.Model => GovernedRequestReader.ReadModel(context.Request, feature.Body),
            GatewayRouteKind.Context => GovernedRequestReader.ReadContext(context.Request, feature.Body),
            _ => GovernedRequestReader.ReadAction(context.Request, feature.Body),
        };
        if (read.Request is not { } request)
        {
            await ProblemResponse.WriteAsync(context, read.Status, read.Code!, read.Detail!).ConfigureAwait(false);
            return;
        }

        context.Features.Set(new GovernedExchange(route, tenant, identity) { Request = request });
        GatewayTelemetry.SetTool(context, request.Tool);
        await _next(context).ConfigureAwait(false);
    }

    private async Task DescribeProviderAsync(HttpContext context, GatewayRequestFeature feature, AgentIdentity identity)
    {
        var rawTarget = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? (context.Request.PathBase + context.Request.Path + context.Request.QueryString).ToString();
        if (!ProviderTarget.TryParse(rawTarget, out var target, out var notCanonical))
        {
            await ProblemResponse.WriteAsync(context, StatusCodes.Status400BadRequest, ProblemCodes.PathNotCanonical,
                notCanonical + " Send the path exactly as the provider documents it.").ConfigureAwait(false);
            return;
        }

        if (Tenant(identity) is not { } tenant)
        {
            await PolicyUnavailableAsync(context).ConfigureAwait(false);
            return;
        }

        if (!tenant.TryGetCatalogEntry(target.Connector, out var named) || named is null || named.Kind == ConnectorKind.McpTool || named.Upstream is null)
        {
            await ProblemResponse.WriteAsync(context, StatusCodes.Status404NotFound, ProblemCodes.UnknownConnector,
                $"No connector '{Truncate(target.Connector)}' is in this tenant's catalog.").ConfigureAwait(false);
            return;
        }

        feature.Dialect = named.Kind switch
        {
            ConnectorKind.OpenAI => RefusalDialect.OpenAI,
            ConnectorKind.Mcp => RefusalDialect.JsonRpc,
            _ => RefusalDialect.Problem,
        };
        var body = feature.Body;
        if (named.Kind == ConnectorKind.Mcp && !body.IsEmpty && McpRequestParser.TryParse(body.Span, out var rpc, out _) && !rpc.IsBatch)
        {
            feature.JsonRpcId = rpc.Messages[0].Id;
        }

        if (MethodOverrideHeader(context.Request.Headers) is { } overrideHeader)
        {
            await ProblemResponse.WriteAsync(context, StatusCodes.Status400BadRequest, ProblemCodes.MethodOverrideRefused,
                $"Method override headers ({overrideHeader}) are refused; send the real method.").ConfigureAwait(false);
            return;
        }

        if (context.Request.Headers.ContentEncoding is { Count: > 0 } encoding && !string.Equals(encoding.ToString(), "identity", StringComparison.OrdinalIgnoreCase))
        {
            await ProblemResponse.WriteAsync(context, StatusCodes.Status415UnsupportedMediaType, ProblemCodes.UnsupportedMediaType,
                "A compressed request body cannot be inspected; send it uncompressed.").ConfigureAwait(false);
            return;
        }

        if (ProviderOperations.Match(tenant, named, context.Request.Method, target.Segments) is not { } operation)
        {
            await _audit.RecordRefusalAsync(context, identity, named.Name, ProblemCodes.OperationNotMapped, StatusCodes.Status403Forbidden).ConfigureAwait(false);
            await ProblemResponse.WriteAsync(context, StatusCodes.Status403Forbidden, ProblemCodes.OperationNotMapped,
                $"{context.Request.Method} /{Truncate(target.CanonicalPath)} is not an operation connector '{named.Name}' declares; nothing was forwarded.").ConfigureAwait(false);
            return;
        }

        var described = ProviderActionDescriber.Describe(tenant, operation, target.RawQuery, body, context.Request.ContentType);
        if (described.Request is not { } request)
        {
            await ProblemResponse.WriteAsync(context, described.Status, described.Code!, described.Detail!).ConfigureAwait(false);
            return;
        }

        context.Features.Set(new GovernedExchange(GatewayRouteKind.Provider, tenant, identity)
        {
            Request = request,
            Target = target,
            Operation = operation,
            Mcp = described.Mcp,
        });
        GatewayTelemetry.SetTool(context, request.Tool);
        await _next(context).ConfigureAwait(false);
    }

    private TenantPolicy? Tenant(AgentIdentity identity) =>
        _policy.Current?.Set is { } set && set.TryGetTenant(identity.Tenant, out var tenant) ? tenant : null;

    private static Task PolicyUnavailableAsync(HttpContext context) =>
        ProblemResponse.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, ProblemCodes.PolicyUnavailable,
            "No policy is loaded for this tenant; nothing was forwarded.");

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
