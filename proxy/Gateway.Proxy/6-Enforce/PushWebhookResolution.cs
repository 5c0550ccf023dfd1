using Gateway.Proxy.A2a;
using Gateway.Proxy.Describe;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Enforce;

/// <summary>
/// The host names of the push-notification webhooks an A2A call names (<see cref="DescribedAction.PushUrlsToResolve"/>),
/// resolved only once the call is admitted (its nonce, the kill switches, the limits) and its decision to carry it out
/// recorded, so that a replayed, limited or suspended agent's request has the gateway look up no name of its choosing: a
/// name resolving to an internal address, or not resolving (<see cref="A2aWebhookAddress.ResolvedRefusalOfAsync"/>), refuses
/// the call as that decision's outcome, -32602 with the code as before the decision; nothing is sent.
/// </summary>
internal static class PushWebhookResolution
{
    /// <summary>The refusal, or null when every host resolves only to globally reachable addresses (or none is to resolve).</summary>
    public static ValueTask<Refusal?> RefuseAsync(DescribedAction described, IWebhookHostResolver resolver, CancellationToken cancellationToken) =>
        described.PushUrlsToResolve.Count == 0 ? default : new ValueTask<Refusal?>(ResolveAsync(described.PushUrlsToResolve, resolver, cancellationToken));

    private static async Task<Refusal?> ResolveAsync(IReadOnlyList<string> urls, IWebhookHostResolver resolver, CancellationToken cancellationToken)
    {
        foreach (var url in urls)
        {
            if (await A2aWebhookAddress.ResolvedRefusalOfAsync(url, resolver, cancellationToken).ConfigureAwait(false) is { } refused)
            {
                return new Refusal(StatusCodes.Status403Forbidden, refused.Code, refused.Detail) { JsonRpcCode = A2aRequestReader.InvalidParams };
            }
        }

        return null;
    }
}
