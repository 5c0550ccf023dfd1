using Gateway.Audit;
using Gateway.Oversight;
using Gateway.Store;

namespace Gateway.Proxy.Refusals;

/// <summary>
/// What an exception escaping an endpoint (the console, the OAuth endpoints, anything outside the stages) is answered with
/// by the exception handler: the state store's outage 503 <c>store_unavailable</c>, the audit journal's 503
/// <c>audit_unavailable</c>, as the stages answer them; a body the server refused while it was read
/// (<see cref="BadHttpRequestException"/>: broken framing, too large, too slow) its own 400 <c>malformed_body</c>, 413
/// <c>payload_too_large</c> or 408 <c>request_timeout</c>, as the stages' body reader answers them; any other exception
/// stays a 500.
/// </summary>
internal static class DependencyFailures
{
    /// <summary>The refusal for <paramref name="exception"/>, or null when it is neither a dependency's failure nor a refused body.</summary>
    public static Refusal? RefusalFor(Exception? exception) => exception switch
    {
        StateStoreUnavailableException => Refusal.StoreUnavailable(),
        AuditWriteException or ReceiptSigningException => Refusal.AuditUnavailable(),
        BadHttpRequestException refused => RefusedBody(refused.StatusCode),
        _ => null,
    };

    /// <summary>The exception handler's status for <paramref name="exception"/>.</summary>
    public static int StatusOf(Exception exception) => RefusalFor(exception)?.Status ?? StatusCodes.Status500InternalServerError;

    /// <summary>Whether <paramref name="exception"/> is the client's fault (a refused body), not the gateway's: never logged as an error.</summary>
    public static bool IsClientFault(Exception? exception) => exception is BadHttpRequestException;

    // As the stages answer a body RequestBodyReader could not read.
    private static Refusal RefusedBody(int status) => status switch
    {
        StatusCodes.Status408RequestTimeout => new(status, ProblemCodes.RequestTimeout, "The body did not arrive in time."),
        StatusCodes.Status413PayloadTooLarge => new(status, ProblemCodes.PayloadTooLarge, "The body is too large."),
        _ => new(StatusCodes.Status400BadRequest, ProblemCodes.MalformedBody, "The body could not be read."),
    };
}
