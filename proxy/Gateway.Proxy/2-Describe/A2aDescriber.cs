using Gateway.Proxy.A2a;
using Gateway.Oversight;
using Gateway.Policy;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Describe;

/// <summary>
/// Describe for <c>POST /a2a/{connector}</c>: the connector must be an <c>a2a</c> entry of the tenant's catalog; refusals
/// from here on are JSON-RPC errors; the request is read by <see cref="A2aRequestReader"/>, and the host of a
/// push-notification webhook it names resolved (<see cref="A2aWebhookAddress.ResolvedRefusalOfAsync"/>) before anything
/// is decided.
/// </summary>
internal sealed class A2aDescriber(IWebhookHostResolver resolver)
{
    public async Task<(DescribedAction? Action, Refusal? Refusal)> DescribeAsync(HttpContext context, GatewayRequestFeature feature, AuthenticatedRequest authenticated, TenantPolicy? tenant)
    {
        feature.Dialect = RefusalDialect.JsonRpc;
        if (tenant is null)
        {
            return (null, Refusal.PolicyUnavailable());
        }

        var name = context.GetRouteValue("connector") as string ?? string.Empty;
        if (!tenant.TryGetCatalogEntry(name, out var agent) || agent is not { Kind: ConnectorKind.A2a, Upstream: not null })
        {
            return (null, new Refusal(StatusCodes.Status404NotFound, ProblemCodes.UnknownConnector,
                $"No remote agent '{(name.Length <= 64 ? name : name[..64] + "…")}' (kind a2a) is in this tenant's catalog."));
        }

        if (context.Request.Headers.ContentEncoding is { Count: > 0 } encoding && !string.Equals(encoding.ToString(), "identity", StringComparison.OrdinalIgnoreCase))
        {
            return (null, new Refusal(StatusCodes.Status415UnsupportedMediaType, ProblemCodes.UnsupportedMediaType, "A compressed request body cannot be inspected; send it uncompressed."));
        }

        var read = A2aRequestReader.Read(tenant, agent, authenticated.Body);
        feature.JsonRpcId = read.Id;
        if (read.PushUrl is { } pushUrl
            && await A2aWebhookAddress.ResolvedRefusalOfAsync(pushUrl, resolver, context.RequestAborted).ConfigureAwait(false) is { } unsafeHost)
        {
            read = A2aRequestReader.PushRefused(agent, read.Id, unsafeHost.Detail, unsafeHost.Code);
        }

        return read.Request is { } request
            ? (new DescribedAction(GatewayRouteKind.A2a, tenant, request) { Body = read.Body }, null)
            : (null, read.Refusal);
    }
}
