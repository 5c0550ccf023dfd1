using Gateway.Proxy.Enforce;
using Gateway.Proxy.Forward;
using Gateway.Proxy.Pipeline;
using Yarp.ReverseProxy.Forwarder;

namespace Gateway.Proxy.Respond;

/// <summary>
/// The one rule for whether a forwarded request may have reached its upstream, and so may have been carried out (and
/// billed): the outcome's and the answer's <c>invoked</c> (<see cref="RespondStage"/>, <see cref="ProviderResponder"/>) and
/// the settle of what the request reserved (<see cref="ReservationSettler"/>) read it alike.
/// </summary>
internal static class UpstreamReach
{
    /// <summary>
    /// Whether the upstream may have received the call: it answered; or the request went out and forwarding then failed
    /// before an answer was read (it timed out, the agent went away, a body failed midway, the connection was reset while
    /// the answer was awaited, the host's shutdown cut it). Not when nothing could have left: the request was never built,
    /// no destination was available, or no connection was made (refused, unresolved, its TLS failed).
    /// </summary>
    public static bool MayHaveReached(HttpContext context, GatewayRequestFeature feature)
    {
        if (feature.Find<UpstreamResponse>() is not null)
        {
            return true;
        }

        if (feature.Find<ForwardPlan>() is null || context.GetForwarderErrorFeature() is not { Error: not ForwarderError.None } failure)
        {
            return false;
        }

        return failure.Error switch
        {
            ForwarderError.RequestCreation or ForwarderError.NoAvailableDestinations => false,
            ForwarderError.Request => !NeverConnected(failure.Exception),
            _ => true,
        };
    }

    private static bool NeverConnected(Exception? exception) =>
        exception is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError }
        || exception?.InnerException is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError };
}
