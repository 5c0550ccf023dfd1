using Gateway.Audit;
using Gateway.Store;

namespace Gateway.Proxy.Refusals;

/// <summary>
/// What a failed dependency escaping an endpoint (the console, the OAuth endpoints, anything outside the stages) is
/// answered with by the exception handler: the state store's outage 503 <c>store_unavailable</c>, the audit journal's 503
/// <c>audit_unavailable</c>, as the stages answer them; any other exception stays a 500.
/// </summary>
internal static class DependencyFailures
{
    /// <summary>The refusal for <paramref name="exception"/>, or null when it is not a dependency's failure.</summary>
    public static Refusal? RefusalFor(Exception? exception) => exception switch
    {
        StateStoreUnavailableException => Refusal.StoreUnavailable(),
        AuditWriteException or ReceiptSigningException => Refusal.AuditUnavailable(),
        _ => null,
    };

    /// <summary>The exception handler's status for <paramref name="exception"/>.</summary>
    public static int StatusOf(Exception exception) => RefusalFor(exception)?.Status ?? StatusCodes.Status500InternalServerError;
}
