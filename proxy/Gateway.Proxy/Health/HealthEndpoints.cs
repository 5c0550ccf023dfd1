using Gateway.Proxy.Policy;
using Gateway.Store;

namespace Gateway.Proxy.Health;

/// <summary>
/// <c>/healthz</c>: the process is up. <c>/readyz</c>: the store answers and a policy is loaded; a
/// replica that is not ready gets no traffic from Kubernetes.
/// </summary>
internal static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapGatewayHealth(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/healthz", static () => Results.Text("ok\n", "text/plain")).ExcludeFromDescription();
        endpoints.MapGet("/readyz", ReadyAsync).ExcludeFromDescription();
        return endpoints;
    }

    private static async Task<IResult> ReadyAsync(IStateStore store, PolicyProvider policy, CancellationToken cancellationToken)
    {
        var storeReady = true;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            await store.PingAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is StateStoreUnavailableException or OperationCanceledException)
        {
            storeReady = false;
        }

        var policyReady = policy.Current is not null;
        var body = new Dictionary<string, string>
        {
            ["store"] = storeReady ? "ok" : "unavailable",
            ["policy"] = policyReady ? "ok" : "not_loaded",
        };
        return storeReady && policyReady
            ? Results.Json(body, statusCode: StatusCodes.Status200OK)
            : Results.Json(body, statusCode: StatusCodes.Status503ServiceUnavailable);
    }
}
