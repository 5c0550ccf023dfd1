using Gateway.Proxy.A2a;
using Gateway.Oversight;
using Gateway.Policy;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Describe;

/// <summary>
/// Describe for <c>POST /a2a/{connector}</c>: the connector must be an <c>a2a</c> entry of the tenant's catalog; refusals
/// from here on are JSON-RPC errors, under the request's id once it was read and under <c>null</c> before or when it
/// cannot be (a body that is not JSON: -32700; a batch, or no request: -32600); the request is read by
/// <see cref="A2aRequestReader"/>, and the host of every push-notification webhook it names resolved (<see cref="A2aWebhookAddress.ResolvedRefusalOfAsync"/>) before anything
/// is decided.
/// </summary>
internal sealed class A2aDescriber(IWebhookHostResolver resolver)
{
    /// <summary>The id of an answer to a request whose own id was not read (JSON-RPC 2.0: <c>null</c>).</summary>
    private const string NoId = "null";

    public async Task<(DescribedAction? Action, Refusal? Refusal)> DescribeAsync(HttpContext context, GatewayRequestFeature feature, AuthenticatedRequest authenticated, TenantPolicy? tenant)
    {
        feature.Dialect = RefusalDialect.JsonRpc;
        if (tenant is null)
        {
            return BeforeReading(feature, authenticated, Refusal.PolicyUnavailable());
        }

        var name = context.GetRouteValue("connector") as string ?? string.Empty;
        if (!tenant.TryGetCatalogEntry(name, out var agent) || agent is not { Kind: ConnectorKind.A2a, Upstream: not null })
        {
            return BeforeReading(feature, authenticated, new Refusal(StatusCodes.Status404NotFound, ProblemCodes.UnknownConnector,
                $"No remote agent '{(name.Length <= 64 ? name : name[..64] + "…")}' (kind a2a) is in this tenant's catalog."));
        }

        if (context.Request.Headers.ContentEncoding is { Count: > 0 } encoding && !string.Equals(encoding.ToString(), "identity", StringComparison.OrdinalIgnoreCase))
        {
            return BeforeReading(feature, authenticated, new Refusal(StatusCodes.Status415UnsupportedMediaType, ProblemCodes.UnsupportedMediaType, "A compressed request body cannot be inspected; send it uncompressed."));
        }

        var read = A2aRequestReader.Read(tenant, agent, authenticated.Body);
        feature.JsonRpcId = read.Id ?? NoId;
        foreach (var pushUrl in read.PushUrls)
        {
            if (await A2aWebhookAddress.ResolvedRefusalOfAsync(pushUrl, resolver, context.RequestAborted).ConfigureAwait(false) is { } unsafeHost)
            {
                read = A2aRequestReader.PushRefused(agent, read.Id, unsafeHost.Detail, unsafeHost.Code);
                break;
            }
        }

        return read.Request is { } request
            ? (new DescribedAction(GatewayRouteKind.A2a, tenant, request) { Body = read.Body }, null)
            : (null, read.Refusal);
    }

    /// <summary>A refusal before the request is read: answered under its id when the body has one to read, else under null.</summary>
    private static (DescribedAction? Action, Refusal? Refusal) BeforeReading(GatewayRequestFeature feature, AuthenticatedRequest authenticated, Refusal refusal)
    {
        feature.JsonRpcId = A2aRequestReader.IdOf(authenticated.Body) ?? NoId;
        return (null, refusal);
    }
}
