using Gateway.Connectors.Results;
using Gateway.Oversight;
using Gateway.Proxy.Decide;
using Gateway.Proxy.Enforce;
using Gateway.Proxy.Forward;
using Gateway.Proxy.Mcp;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Record;
using Gateway.Proxy.Refusals;
using Microsoft.AspNetCore.Http.Features;
using Yarp.ReverseProxy.Forwarder;

namespace Gateway.Proxy.Respond;

/// <summary>
/// Respond for the provider route: the upstream's response has streamed to the client as it came; it is flushed, counted
/// and recorded, the incidents of the pinned tools its answer hid for drift opened, and what could not be passed on refused
/// (before the response started, a clear refusal; after, the connection is aborted, never a cut body taken for whole): a
/// body the redactor refuses as it streams (<see cref="RedactorRefusal"/>) or only at its end (JSON read whole that is not
/// text it can read) is refused like the others, under the redactor's refusal, never an upstream failure's. A body whose
/// forwarding failed is not completed: what the redactor held back of it is never sent.
/// </summary>
internal sealed class ProviderResponder(OutcomeRecorder outcomes, McpToolPins pins) : GovernedResponder(outcomes)
{
    protected override async ValueTask CompleteAsync(HttpContext context, GatewayRequestFeature feature)
    {
        var plan = feature.Get<ForwardPlan>();
        var response = feature.Find<UpstreamResponse>();
        var failure = RedactorRefusal(context) ?? OutcomeRecorder.ForwardingFailure(context);
        Refusal? unreadable = null;
        Refusal? gone = null;
        if (response is { Stream: { } stream, Refusal: null } && response.SizeLimit?.Exceeded != true && failure is null)
        {
            try
            {
                await stream.CompleteAsync(context.RequestAborted).ConfigureAwait(false);

                // Kestrel drops writes to a connection the agent reset without throwing (and cancels RequestAborted only
                // later): a flush of what the redactor held (a JSON answer read whole) that "succeeded" after the agent went
                // away delivered nothing, and is recorded so. RequestAborted alone is not read: a client that closes right
                // after the last byte cancels it too, and that answer was delivered whole.
                gone = await ConnectionTookItAsync(context).ConfigureAwait(false) ? null : ClientGone;
            }
            catch (InvalidDataException)
            {
                // What the redactor held until the end (a JSON body read whole) is not text it can read: refused, not sent.
                unreadable = UpstreamResponse.Uninspectable;
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException)
            {
                // The agent went away before the answer's end (a reset connection: ConnectionResetException is an
                // IOException): nothing more can reach it, and the call was made all the same, so its outcome is recorded
                // below, not delivered, never left out.
                gone = ClientGone;
            }
        }

        var refusal = response?.Refusal ?? response?.LimitCrossed ?? unreadable ?? failure ?? gone;
        foreach (var (tool, pin) in plan.McpToolDrifts?.Seen() ?? [])
        {
            // Hidden from the answer by the transform; its incident is opened here, after the answer (never cancelled by it).
            await pins.ReportDriftAsync(plan.Tenant.Slug, plan.Identity.Agent, plan.Identity.Workspace, tool, pin).ConfigureAwait(false);
        }

        // What the call used is known now: its outcome is recorded and its reservations start settling (Respond awaits them last).
        // Invoked when the provider may have received the call, answered or not (a timeout after it was sent).
        await Outcomes.RecordStreamedAsync(context, feature, plan, response, new ActionOutcome
        {
            Invoked = UpstreamReach.MayHaveReached(context, feature),
            UpstreamStatus = response?.Status,
            ClientStatus = context.Response.StatusCode,
            Redactions = plan.Redactions.ToDictionary(),
            Latency = OutcomeRecorder.Latency(feature),
            Refusal = refusal,
        }).ConfigureAwait(false);

        if (refusal is not null)
        {
            if (context.Response.HasStarted)
            {
                // The answer has begun: the refusal is an aborted connection (RefusalResponse), counted under its code all the same.
                feature.MarkRefused(refusal.Status, refusal.Code);
            }

            await RefusalResponse.WriteAsync(context, refusal).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The outcome of an answer the agent went away from before its end: not delivered, 502 <c>upstream_unavailable</c>, as a
    /// streamed answer the client leaves mid-way is recorded (<see cref="OutcomeRecorder.ForwardingFailure"/>).
    /// </summary>
    private static readonly Refusal ClientGone = new(StatusCodes.Status502BadGateway, ProblemCodes.UpstreamUnavailable,
        "The client went away before the answer's end; it was not delivered.");

    /// <summary>
    /// Whether the connection still takes the answer: a flush of the server's own body writer, beneath the streams the
    /// gateway set over it, reports it completed (<see cref="System.IO.Pipelines.FlushResult.IsCompleted"/>) once the connection's
    /// sender stopped on a reset, before the server cancels <see cref="HttpContext.RequestAborted"/>.
    /// </summary>
    private static async ValueTask<bool> ConnectionTookItAsync(HttpContext context)
    {
        var body = context.Features.Get<IHttpResponseBodyFeature>();
        while (body is StreamResponseBodyFeature { PriorFeature: { } prior })
        {
            body = prior;
        }

        return body is null || !(await body.Writer.FlushAsync(CancellationToken.None).ConfigureAwait(false)).IsCompleted;
    }

    /// <summary>
    /// The redactor's refusal of a body it could not read as it streamed (its media type, charset, bytes that are not text): the
    /// copy to the agent failed on it (<see cref="InvalidDataException"/>, which nothing but a body transform throws there), or
    /// null. YARP leaves a response that had not started unsent, so the refusal is a clean 502; one that had is aborted.
    /// </summary>
    private static Refusal? RedactorRefusal(HttpContext context) =>
        context.GetForwarderErrorFeature() is { Error: ForwarderError.ResponseBodyClient, Exception: InvalidDataException } ? UpstreamResponse.Uninspectable : null;

    protected override Task WriteResultAsync(HttpContext context, GatewayRequestFeature feature, GovernedDecision governed, UpstreamResponse response, ConnectorResult result) =>
        throw new InvalidOperationException("The provider route's answer streams; it has no result to write.");
}
