using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;
using Gateway.Proxy.Telemetry;

namespace Gateway.Proxy.Respond;

/// <summary>
/// Respond for a request the Authenticate stage refused before any stage after it ran: it writes the stage's record
/// (<see cref="AuthenticationChallenge"/>), the refusal in the route's dialect with its <c>WWW-Authenticate</c> headers.
/// With <see cref="RespondStage"/> and <see cref="AgentRouteResponder"/>, the one place a governed request is answered or
/// refused.
/// </summary>
internal sealed partial class AuthenticationRefusalResponder
{
    private readonly GatewayMetrics _metrics;
    private readonly ILogger<AuthenticationRefusalResponder> _logger;

    public AuthenticationRefusalResponder(GatewayMetrics metrics, ILogger<AuthenticationRefusalResponder> logger)
    {
        _metrics = metrics;
        _logger = logger;
    }

    /// <summary>Writes the refusal of the request's <see cref="AuthenticationChallenge"/>.</summary>
    public Task RefuseAsync(HttpContext context)
    {
        var challenge = context.GatewayRequest().Get<AuthenticationChallenge>();
        var refusal = challenge.Refusal;
        _metrics.Refusals.Add(1, new KeyValuePair<string, object?>("code", refusal.Code));
        LogRefused(_logger, refusal.Status, refusal.Code);
        if (challenge.WwwAuthenticate.Count > 0)
        {
            // When the headers go out: writing the refusal clears the response first.
            var response = context.Response;
            response.OnStarting(static state =>
            {
                var (response, values) = ((HttpResponse, IReadOnlyList<string>))state;
                foreach (var value in values)
                {
                    response.Headers.Append("WWW-Authenticate", value);
                }

                return Task.CompletedTask;
            }, (response, challenge.WwwAuthenticate));
        }

        // Before Describe, a provider route's dialect is presumed from its target (an unsigned OpenAI client reads an OpenAI error).
        ProviderDialect.PresumeFor(context);
        return RefusalResponse.WriteAsync(context, refusal);
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Signed request refused: {Status} {Code}")]
    private static partial void LogRefused(ILogger logger, int status, string code);
}
