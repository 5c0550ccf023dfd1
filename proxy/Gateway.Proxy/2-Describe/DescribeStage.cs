using System.Diagnostics;
using Gateway.Oversight;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;
using Gateway.Proxy.Telemetry;
using Microsoft.AspNetCore.Http.Features;

namespace Gateway.Proxy.Describe;

/// <summary>
/// Describe: turns the authenticated request into the action policy decides (<see cref="DescribedAction"/>), through the
/// describer its route kind registered (<see cref="IRouteDescriber"/>, keyed by the kind's name in the route's metadata):
/// the stage never reads the kind itself. A described payload that carries secret material is refused and recorded
/// (<see cref="SecretMaterialInPayload"/>), as is a request asking to upgrade its connection (a WebSocket, HTTP/2's
/// extended CONNECT): once switched, the forwarder relays raw frames that no stage decides or redacts.
/// </summary>
internal sealed class DescribeStage
{
    private static readonly Refusal UpgradeRefused = new(StatusCodes.Status400BadRequest, ProblemCodes.UpgradeRefused,
        "The gateway decides and redacts each request and answer: a connection upgrade (WebSocket) is not forwarded. Nothing was forwarded.");

    private readonly RequestDelegate _next;
    private readonly GatewayMetrics _metrics;
    private readonly IServiceProvider _services;

    public DescribeStage(RequestDelegate next, GatewayMetrics metrics, IServiceProvider services)
    {
        _services = services;
        _next = next;
        _metrics = metrics;
    }

    public Task InvokeAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var feature = context.GatewayRequest();
        var authenticated = feature.Find<AuthenticatedRequest>();
        var config = context.GetReverseProxyFeature().Route.Config;
        if (authenticated is not null && GatewayRouteKinds.NameOf(config) is { } kind && _services.GetKeyedService<IRouteDescriber>(kind) is { } describer)
        {
            return DescribeWithAsync(describer, context, feature, authenticated, started);
        }

        // Only authenticated requests on the gateway's own routes, each of a registered kind, reach this pipeline.
        feature.Add(Refusal.Internal());
        _metrics.RecordStage(GatewayStage.Describe, started);
        return Task.CompletedTask;
    }

    /// <summary>
    /// A request of a registered route kind, described by the kind's describer. Describing completes without waiting
    /// almost always (a body still arriving waits): then the next stage runs from here, with no state machine of this
    /// stage's held across the rest of the walk.
    /// </summary>
    private Task DescribeWithAsync(IRouteDescriber describer, HttpContext context, GatewayRequestFeature feature, AuthenticatedRequest authenticated, long started)
    {
        ValueTask<(DescribedAction? Action, Refusal? Refusal)> describing;
        try
        {
            describing = describer.DescribeAsync(context, feature, authenticated);
        }
        catch
        {
            _metrics.RecordStage(GatewayStage.Describe, started);
            throw;
        }

        if (!describing.IsCompletedSuccessfully)
        {
            return DescribeOnceReadyAsync(describing, context, feature, authenticated, started);
        }

        bool proceed;
        try
        {
            proceed = Conclude(context, feature, authenticated, describing.Result);
        }
        finally
        {
            _metrics.RecordStage(GatewayStage.Describe, started);
        }

        return proceed ? _next(context) : Task.CompletedTask;
    }

    private async Task DescribeOnceReadyAsync(ValueTask<(DescribedAction? Action, Refusal? Refusal)> describing, HttpContext context, GatewayRequestFeature feature, AuthenticatedRequest authenticated, long started)
    {
        bool proceed;
        try
        {
            proceed = Conclude(context, feature, authenticated, await describing.ConfigureAwait(false));
        }
        finally
        {
            _metrics.RecordStage(GatewayStage.Describe, started);
        }

        if (proceed)
        {
            await _next(context).ConfigureAwait(false);
        }
    }

    /// <summary>Adds what the describer made of the request (a described action, a local one or a refusal); whether the walk goes on.</summary>
    private static bool Conclude(HttpContext context, GatewayRequestFeature feature, AuthenticatedRequest authenticated, (DescribedAction? Action, Refusal? Refusal) described)
    {
        var (action, refusal) = described;
        // A request the gateway serves itself: the describer added its LocalAction instead of describing an action.
        return action is null && refusal is null && feature.Find<LocalAction>() is { } local
            ? AcceptLocal(context, local)
            : Accept(context, feature, authenticated, action, refusal ?? (action is null ? Refusal.Internal() : null));
    }

    /// <summary>A <see cref="LocalAction"/> goes on to be admitted; its tool names the request's telemetry.</summary>
    private static bool AcceptLocal(HttpContext context, LocalAction local)
    {
        if (local.Tool is { } tool)
        {
            GatewayTelemetry.SetTool(context, tool);
        }

        return true;
    }

    /// <summary>Adds the described action (or the refusal) to the request's records; whether the walk goes on.</summary>
    private static bool Accept(HttpContext context, GatewayRequestFeature feature, AuthenticatedRequest? authenticated, DescribedAction? action, Refusal? refusal)
    {
        if (action is null)
        {
            feature.Add(refusal!);
            return false;
        }

        feature.Add(action);
        GatewayTelemetry.SetTool(context, action.Request.Tool);
        if (context.Features.Get<IHttpUpgradeFeature>()?.IsUpgradableRequest == true || context.Features.Get<IHttpExtendedConnectFeature>()?.IsExtendedConnect == true)
        {
            feature.Add(UpgradeRefused with { AuditTool = action.Request.Tool });
            return false;
        }

        if (SecretMaterialInPayload.RefusalOf(authenticated!.Body, action) is { } carriesSecrets)
        {
            feature.Add(carriesSecrets);
            return false;
        }

        return true;
    }
}
