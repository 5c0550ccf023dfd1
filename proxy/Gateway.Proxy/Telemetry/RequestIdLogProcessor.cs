using OpenTelemetry;
using OpenTelemetry.Logs;

namespace Gateway.Proxy.Telemetry;

/// <summary>
/// Puts the gateway's request id (<c>gateway.request_id</c>) on each exported log record written while a request is
/// handled. The exported records carry no logging scopes: ASP.NET Core's request scope holds the path as sent
/// (<c>RequestPath</c>), which may carry what must not leave the gateway (a secret an agent put in it, a link's grant).
/// </summary>
internal sealed class RequestIdLogProcessor : BaseProcessor<LogRecord>
{
    private static readonly AsyncLocal<string?> Current = new();

    private static volatile bool s_exporting;

    /// <summary>Starts adding request ids: from now on the request flows carry theirs (<see cref="Exporting"/>).</summary>
    public RequestIdLogProcessor() => s_exporting = true;

    /// <summary>Whether any log export in this process reads the request id: until one does, requests do not set it.</summary>
    public static bool Exporting => s_exporting;

    /// <summary>The request id of the request being handled on this flow, set by <see cref="GatewayTelemetryMiddleware"/>.</summary>
    public static string? RequestId
    {
        get => Current.Value;
        set => Current.Value = value;
    }

    /// <inheritdoc />
    public override void OnEnd(LogRecord data)
    {
        if (Current.Value is { } requestId)
        {
            data.Attributes = [.. data.Attributes ?? [], new KeyValuePair<string, object?>(GatewaySpanAttributes.RequestId, requestId)];
        }
    }
}
