using System.Collections;
using System.Diagnostics;
using Gateway.Proxy.Pipeline;

namespace Gateway.Proxy.Telemetry;

/// <summary>
/// Wraps the rest of the pipeline in the <c>gateway.request</c> span and a logging scope carrying the
/// gateway's request id (<c>gateway.request_id</c>), so every log line of the request, exported or
/// written to the console, leads to the request and its trace. Place it right after the request-id
/// middleware: <c>app.UseGatewayTelemetry()</c>. A signed request's whole time is the <c>total</c> of
/// <c>gateway.request.stage.duration</c>; a request answered with a refusal counts once in <c>gateway.requests.refused</c>.
/// </summary>
internal sealed class GatewayTelemetryMiddleware
{
    private readonly RequestDelegate _next;
    private readonly GatewayMetrics _metrics;
    private readonly ILogger<GatewayTelemetryMiddleware> _logger;

    public GatewayTelemetryMiddleware(RequestDelegate next, GatewayMetrics metrics, ILogger<GatewayTelemetryMiddleware> logger)
    {
        _next = next;
        _metrics = metrics;
        _logger = logger;
    }

    public async Task InvokeAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        var feature = context.Features.Get<GatewayRequestFeature>();
        var requestId = feature?.RequestId ?? context.TraceIdentifier;
        using var scope = _logger.BeginScope(new RequestLogScope(requestId));
        if (RequestIdLogProcessor.Exporting)
        {
            RequestIdLogProcessor.RequestId = requestId;
        }

        using var activity = GatewayTelemetry.StartRequest(context);
        try
        {
            await _next(context).ConfigureAwait(false);
        }
        catch (Exception ex) when (activity is not null)
        {
            activity.SetTag(GatewaySpanAttributes.ErrorType, ex.GetType().FullName);
            activity.SetStatus(ActivityStatusCode.Error);
            throw;
        }
        finally
        {
            if (activity is not null)
            {
                GatewayTelemetry.CompleteRequest(context);
            }

            if (feature is { Signed: true })
            {
                _metrics.RecordStage(GatewayStage.Total, started);
            }

            // Whichever stage, responder or writer refused the request, the refusal it answered with (the last one written).
            if (feature?.RefusalCode is { } code)
            {
                _metrics.Refusals.Add(1, new KeyValuePair<string, object?>("code", code));
            }
        }
    }

    /// <summary>The logging scope of one request: a single named value, the gateway's request id.</summary>
    private sealed class RequestLogScope : IReadOnlyList<KeyValuePair<string, object?>>
    {
        private readonly string _requestId;

        public RequestLogScope(string requestId) => _requestId = requestId;

        public int Count => 1;

        public KeyValuePair<string, object?> this[int index] => index == 0
            ? new KeyValuePair<string, object?>(GatewaySpanAttributes.RequestId, _requestId)
            : throw new ArgumentOutOfRangeException(nameof(index));

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
        {
            yield return this[0];
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => GatewaySpanAttributes.RequestId + ":" + _requestId;
    }
}

/// <summary>Adds the gateway's request telemetry to the pipeline.</summary>
public static class GatewayTelemetryApplicationBuilderExtensions
{
    /// <summary>
    /// Serves Prometheus <c>/metrics</c> on its own port (when <c>Gateway:Metrics:Port</c> is set; that
    /// port serves nothing else), then starts the <c>gateway.request</c> span and the request-id logging
    /// scope for every request. Call it right after the request-id middleware and before exception
    /// handling and routing.
    /// </summary>
    public static IApplicationBuilder UseGatewayTelemetry(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (app.ApplicationServices.GetService<TelemetrySettings>() is { } settings)
        {
            GatewayMetricsEndpoint.Use(app, settings.MetricsEndpoint);
        }

        return app.UseMiddleware<GatewayTelemetryMiddleware>();
    }
}
