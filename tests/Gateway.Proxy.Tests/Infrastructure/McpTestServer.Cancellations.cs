using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using ModelContextProtocol.Protocol;

namespace Gateway.Proxy.Tests.Infrastructure;

/// <summary>What the server learns of its calls' ids and of the <c>notifications/cancelled</c> it is sent.</summary>
public sealed partial class McpTestServer
{
    /// <summary>Each tools/call's JSON-RPC id as the server received it, in the order of <see cref="Calls"/>.</summary>
    public ConcurrentQueue<string> CallIds { get; } = new();

    /// <summary>While set, every tools/list waits for it before it answers (a listing that takes its time: a pin being checked).</summary>
    public TaskCompletionSource? HoldListing { get; set; }

    /// <summary>Each <c>notifications/cancelled</c>: the raw <c>requestId</c>, the reason, and the session and Authorization header it came with.</summary>
    public ConcurrentQueue<(string RequestId, string? Reason, string? SessionId, string? Authorization)> Cancellations { get; } = new();

    /// <summary>Records a <c>notifications/cancelled</c> as it arrives (the SDK acts on it and tells nobody); the body is left to be read again.</summary>
    private async Task RecordCancellationAsync(HttpRequest request)
    {
        request.EnableBuffering();
        try
        {
            using var message = await JsonDocument.ParseAsync(request.Body, default, request.HttpContext.RequestAborted);
            if (message.RootElement is { ValueKind: JsonValueKind.Object } root && root.TryGetProperty("method", out var method) && method.ValueKind == JsonValueKind.String
                && method.GetString() == NotificationMethods.CancelledNotification && root.TryGetProperty("params", out var cancelled))
            {
                Cancellations.Enqueue((cancelled.GetProperty("requestId").GetRawText(), cancelled.TryGetProperty("reason", out var reason) ? reason.GetString() : null,
                    request.Headers["Mcp-Session-Id"].FirstOrDefault(), request.Headers.Authorization.FirstOrDefault()));
            }
        }
        catch (JsonException)
        {
            // Not JSON: the SDK answers it.
        }

        request.Body.Position = 0;
    }
}
