using System.Globalization;
using Gateway.Proxy.Admit;

namespace Gateway.Proxy.Refusals;

/// <summary>
/// The refusals every governed route shares: fail-closed answers for an unavailable store or audit
/// journal, and limit refusals with their <c>Retry-After</c>.
/// </summary>
internal static class GovernedRefusals
{
    public static Task StoreUnavailableAsync(HttpContext context) =>
        ProblemResponse.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, ProblemCodes.StoreUnavailable,
            "The state store cannot be reached; nothing was forwarded.");

    public static Task AuditUnavailableAsync(HttpContext context) =>
        ProblemResponse.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, ProblemCodes.AuditUnavailable,
            "The audit record could not be written, so the request is refused.");

    /// <summary>A request the Admit stage refused outright: a replayed nonce or a revoked runtime secret (401).</summary>
    public static Task NotAdmittedAsync(HttpContext context, Admission admission) => admission.Verdict == AdmissionVerdict.Replayed
        ? ProblemResponse.WriteAsync(context, StatusCodes.Status401Unauthorized, ProblemCodes.ReplayedNonce, "This nonce was already used.")
        : ProblemResponse.WriteAsync(context, StatusCodes.Status401Unauthorized, ProblemCodes.SecretRevoked, "The agent's runtime secret has been revoked.");

    public static Task RateLimitedAsync(HttpContext context, string scope, TimeSpan retryAfter)
    {
        SetRetryAfter(context.Response, retryAfter);
        return ProblemResponse.WriteAsync(context, StatusCodes.Status429TooManyRequests, ProblemCodes.RateLimited,
            $"The {scope} rate limit is exhausted; retry after the window resets.",
            extensions: writer => writer.WriteString("scope"u8, scope));
    }

    /// <summary><c>Retry-After</c> in whole seconds, at least one.</summary>
    public static void SetRetryAfter(HttpResponse response, TimeSpan retryAfter) =>
        response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
}
