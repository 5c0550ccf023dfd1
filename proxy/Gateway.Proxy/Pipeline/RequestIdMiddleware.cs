using Gateway.Policy.Tokens;

namespace Gateway.Proxy.Pipeline;

/// <summary>
/// Gives every request a server-generated id (echoed as <c>X-Request-Id</c>) and the
/// <see cref="GatewayRequestFeature"/> the later stages fill in. A client-supplied id is never
/// trusted as ours: it is kept only as <see cref="GatewayRequestFeature.ClientRequestId"/> when well formed.
/// </summary>
internal sealed class RequestIdMiddleware
{
    public const string HeaderName = "X-Request-Id";
    private readonly RequestDelegate _next;

    public RequestIdMiddleware(RequestDelegate next) => _next = next;

    public Task InvokeAsync(HttpContext context)
    {
        var feature = new GatewayRequestFeature(NewId());
        var clientId = context.Request.Headers[HeaderName];
        if (clientId.Count == 1 && clientId[0] is { Length: > 0 and <= 128 } value && IsPrintableAscii(value))
        {
            feature.ClientRequestId = value;
        }

        context.Features.Set(feature);
        context.TraceIdentifier = feature.RequestId;
        context.Response.Headers[HeaderName] = feature.RequestId;
        return _next(context);
    }

    public static string GetRequestId(HttpContext context) =>
        context.Features.Get<GatewayRequestFeature>()?.RequestId ?? context.TraceIdentifier;

    private const int IdBytes = 12;

    // "req_" and the hex of 12 random bytes, written into the one string.
    private static string NewId()
    {
        Span<byte> bytes = stackalloc byte[IdBytes];
        ThreadRandomBytes.Fill(bytes);
        var id = string.Create(4 + (2 * IdBytes), bytes, static (span, random) =>
        {
            "req_".CopyTo(span);
            Convert.TryToHexStringLower(random, span[4..], out _);
        });
        bytes.Clear();
        return id;
    }

    private static bool IsPrintableAscii(string value)
    {
        foreach (var c in value)
        {
            if (c is < '!' or > '~')
            {
                return false;
            }
        }

        return true;
    }
}
