using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;
using Gateway.Proxy.Telemetry;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace Gateway.Proxy.Respond;

/// <summary>
/// Respond for a request the agent scheme refused before any stage after it ran: ASP.NET Core's authorization
/// challenges (or forbids) as usual, the agent scheme records what it decided (<see cref="AuthenticationChallenge"/>),
/// and this writes it: the refusal in the route's dialect with its <c>WWW-Authenticate</c> headers. Other schemes'
/// challenges (the console's sign-in) are theirs, untouched. With <see cref="RespondStage"/> and
/// <see cref="AgentRouteResponder"/>, the one place a governed request is answered or refused.
/// </summary>
internal sealed partial class AuthenticationRefusalResponder : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();
    private readonly GatewayMetrics _metrics;
    private readonly ILogger<AuthenticationRefusalResponder> _logger;

    public AuthenticationRefusalResponder(GatewayMetrics metrics, ILogger<AuthenticationRefusalResponder> logger)
    {
        _metrics = metrics;
        _logger = logger;
    }

    /// <inheritdoc/>
    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        await _default.HandleAsync(next, context, policy, authorizeResult).ConfigureAwait(false);
        if ((authorizeResult.Challenged || authorizeResult.Forbidden)
            && context.Features.Get<GatewayRequestFeature>()?.Find<AuthenticationChallenge>() is { } challenge
            && !context.Response.HasStarted)
        {
            await RefuseAsync(context, challenge).ConfigureAwait(false);
        }
    }

    private Task RefuseAsync(HttpContext context, AuthenticationChallenge challenge)
    {
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

        return RefusalResponse.WriteAsync(context, refusal);
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Signed request refused: {Status} {Code}")]
    private static partial void LogRefused(ILogger logger, int status, string code);
}
