using Gateway.Connectors.Signing;
using Gateway.Proxy.Configuration;
using Gateway.Proxy.Problems;
using Gateway.Proxy.Requests;
using Gateway.Proxy.Telemetry;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace Gateway.Proxy.Authentication;

/// <summary>
/// The front door of every agent route (every endpoint carrying <see cref="AgentSignatureRequired"/>):
/// proves who sent the request, per the agent protocol. Every failure is a 401 (or 413/408/400 for the
/// body) and nothing reaches the next stage. Checks run cheapest first and touch no store: the nonce
/// is stored by the Admit stage (<see cref="Governance.AdmissionGate"/>) only after the signature is
/// proven, so unauthenticated traffic cannot fill the store.
/// </summary>
internal sealed partial class SignedRequestMiddleware
{
    private readonly RequestDelegate _next;
    private readonly IAgentDirectory _agents;
    private readonly TimeProvider _time;
    private readonly GatewayMetrics _metrics;
    private readonly ILogger<SignedRequestMiddleware> _logger;
    private readonly GatewayOptions _options;

    public SignedRequestMiddleware(
        RequestDelegate next,
        IAgentDirectory agents,
        TimeProvider time,
        GatewayMetrics metrics,
        IOptions<GatewayOptions> options,
        ILogger<SignedRequestMiddleware> logger)
    {
        _next = next;
        _agents = agents;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _options = options.Value;
    }

    public async Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<AgentSignatureRequired>() is null)
        {
            await _next(context).ConfigureAwait(false);
            return;
        }

        var feature = context.Features.GetRequiredFeature<GatewayRequestFeature>();
        var request = context.Request;

        if (!SignedRequestHeaders.TryParse(request.Headers, out var headers, out var code, out var detail))
        {
            await RefuseAsync(context, StatusCodes.Status401Unauthorized, code, detail).ConfigureAwait(false);
            return;
        }

        // Milliseconds, not truncated seconds: at +600.3 s a timestamp 300 s ahead is 300.3 s old, not 300.
        var nowMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
        if (Math.Abs(nowMs - (headers.Timestamp * 1000)) > (long)_options.Authentication.MaxClockSkew.TotalMilliseconds)
        {
            await RefuseAsync(context, StatusCodes.Status401Unauthorized, ProblemCodes.StaleTimestamp,
                "The request timestamp is too far from the gateway's clock.").ConfigureAwait(false);
            return;
        }

        var lookup = _agents.Find(headers.Tenant, headers.Workspace, headers.Agent);
        if (lookup.Status != AgentLookupStatus.Found || lookup.Secret is null)
        {
            var (status, refusal) = lookup.Status switch
            {
                AgentLookupStatus.SecretRevoked => (StatusCodes.Status401Unauthorized, ProblemCodes.SecretRevoked),
                AgentLookupStatus.SecretUnavailable => (StatusCodes.Status503ServiceUnavailable, ProblemCodes.PolicyUnavailable),
                _ => (StatusCodes.Status401Unauthorized, ProblemCodes.UnknownAgent),
            };
            await RefuseAsync(context, status, refusal, refusal == ProblemCodes.UnknownAgent
                ? "The tenant, workspace or agent is not registered."
                : "The agent's runtime secret cannot be used.").ConfigureAwait(false);
            return;
        }

        var secret = lookup.Secret;
        if (SecretPresentedOutsideSignature(request, secret))
        {
            await RefuseAsync(context, StatusCodes.Status401Unauthorized, ProblemCodes.SecretPresentedOtherwise,
                "The runtime secret must never be sent; sign the request with it instead.").ConfigureAwait(false);
            return;
        }

        var (outcome, body) = await RequestBodyReader.ReadAsync(context, _options.Limits.MaxRequestBodyBytes, _options.Limits.BodyReadTimeout).ConfigureAwait(false);
        switch (outcome)
        {
            case RequestBodyReader.Outcome.TooLarge:
                await RefuseAsync(context, StatusCodes.Status413PayloadTooLarge, ProblemCodes.PayloadTooLarge,
                    $"The body exceeds {_options.Limits.MaxRequestBodyBytes} bytes.").ConfigureAwait(false);
                return;
            case RequestBodyReader.Outcome.TimedOut:
                await RefuseAsync(context, StatusCodes.Status408RequestTimeout, ProblemCodes.RequestTimeout,
                    "The body did not arrive in time.").ConfigureAwait(false);
                return;
            case RequestBodyReader.Outcome.Malformed:
                await RefuseAsync(context, StatusCodes.Status400BadRequest, ProblemCodes.MalformedBody,
                    "The body's framing is broken.").ConfigureAwait(false);
                return;
        }

        if (secret.AppearsIn(body))
        {
            await RefuseAsync(context, StatusCodes.Status401Unauthorized, ProblemCodes.SecretPresentedOtherwise,
                "The runtime secret must never be sent; sign the request with it instead.").ConfigureAwait(false);
            return;
        }

        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? (request.Path + request.QueryString).ToString();
        var canonical = CanonicalRequest.Build(request.Method, target, headers.Tenant, headers.Workspace, headers.Agent,
            headers.TimestampText, headers.Nonce, CanonicalRequest.HashBody(body));
        if (!CanonicalRequest.Verify(secret.Key, canonical, headers.Signature))
        {
            await RefuseAsync(context, StatusCodes.Status401Unauthorized, ProblemCodes.SignatureMismatch,
                "The signature does not match the request.").ConfigureAwait(false);
            return;
        }

        // Freshness (the nonce) and the kill switches are the Admit stage's, in its one store call.
        feature.Agent = new AgentIdentity(headers.Tenant, headers.Workspace, headers.Agent, headers.Nonce, headers.Timestamp);
        feature.Body = body;
        request.Body = new MemoryStream(body, writable: false);
        await _next(context).ConfigureAwait(false);
    }

    private static bool SecretPresentedOutsideSignature(HttpRequest request, AgentSecret secret)
    {
        foreach (var header in request.Headers)
        {
            foreach (var value in header.Value)
            {
                if (secret.AppearsIn(value))
                {
                    return true;
                }
            }
        }

        return request.QueryString.HasValue && (secret.AppearsIn(request.QueryString.Value)
            || secret.AppearsIn(Uri.UnescapeDataString(request.QueryString.Value!)));
    }

    private Task RefuseAsync(HttpContext context, int status, string code, string detail)
    {
        _metrics.Refusals.Add(1, new KeyValuePair<string, object?>("code", code));
        LogRefused(_logger, status, code);
        return ProblemResponse.WriteAsync(context, status, code, detail);
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Signed request refused: {Status} {Code}")]
    private static partial void LogRefused(ILogger logger, int status, string code);
}
