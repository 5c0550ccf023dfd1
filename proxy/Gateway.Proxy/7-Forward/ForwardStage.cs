using System.Diagnostics;
using Gateway.Policy;
using Gateway.Proxy.Enforce;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Telemetry;

namespace Gateway.Proxy.Forward;

/// <summary>
/// Forward: the planned request goes to its connector's cluster through YARP (session affinity, load
/// balancing, passive health checks, then the forwarder with the route's transforms), inside the
/// <c>gateway.upstream</c> span. The route's response transform adds the <see cref="UpstreamResponse"/>.
/// Only the Enforce stage calls it, with a plan: a request answered or refused before never reaches YARP. A route kind
/// that forwards nothing is served by its local destination instead (<see cref="ILocalDestination"/>).
/// Its time ends when the upstream's status and headers arrive (<see cref="GatewayRequestFeature.UpstreamAnsweredTimestamp"/>);
/// the response transforms and the body are the Respond stage's.
/// </summary>
internal sealed class ForwardStage
{
    private readonly RequestDelegate _next;
    private readonly GatewayMetrics _metrics;
    private readonly IServiceProvider _services;

    public ForwardStage(RequestDelegate next, GatewayMetrics metrics, IServiceProvider services)
    {
        _next = next;
        _metrics = metrics;
        _services = services;
    }

    public Task InvokeAsync(HttpContext context)
    {
        var feature = context.GatewayRequest();
        return feature.Find<ForwardPlan>() is { } plan ? ForwardAsync(context, feature, plan) : ServeLocallyAsync(context, feature);
    }

    /// <summary>
    /// A request with no plan to forward: served by its route kind's local destination (<see cref="ILocalDestination"/>),
    /// the in-process handler that stands in for YARP's forwarder.
    /// </summary>
    private async Task ServeLocallyAsync(HttpContext context, GatewayRequestFeature feature)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var destination = GatewayRouteKinds.NameOf(context.GetReverseProxyFeature().Route.Config) is { } kind ? _services.GetKeyedService<ILocalDestination>(kind) : null;
            if (destination is null)
            {
                // Enforce planned nothing and the kind serves nothing itself: a stage ran out of order.
                throw new InvalidOperationException("The request carries no forward plan and its route kind has no local destination.");
            }

            await destination.ServeAsync(context, feature).ConfigureAwait(false);
        }
        finally
        {
            _metrics.RecordStage(GatewayStage.Forward, started);
        }
    }

    private async Task ForwardAsync(HttpContext context, GatewayRequestFeature feature, ForwardPlan plan)
    {
        var started = Stopwatch.GetTimestamp();
        using var upstream = GatewayTelemetry.StartUpstream(plan.Entry.Name, WireNames.Of(plan.Entry.Kind), plan.RequestedModel);
        var clientBody = context.Response.Body;
        try
        {
            await _next(context).ConfigureAwait(false);
        }
        finally
        {
            // Whatever the transforms wrapped, what is written from here on goes straight to the client.
            context.Response.Body = clientBody;

            // No answer (the upstream failed or timed out): forwarding took all the time YARP did.
            var answered = feature.UpstreamAnsweredTimestamp;
            _metrics.RecordStage(GatewayStage.Forward, started, answered > 0 ? answered : Stopwatch.GetTimestamp());
        }

        var response = feature.Find<UpstreamResponse>();
        GatewayTelemetry.SetUpstreamResult(upstream, response?.Status, context.GetForwarderErrorFeature()?.Exception);
        if ((plan.Usage?.Usage ?? response?.Result?.Usage) is { } usage)
        {
            GatewayTelemetry.SetUsage(upstream, usage.InputTokens, usage.OutputTokens);
        }
    }
}
