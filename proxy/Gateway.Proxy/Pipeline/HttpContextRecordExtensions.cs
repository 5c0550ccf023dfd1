using Microsoft.AspNetCore.Http.Features;

namespace Gateway.Proxy.Pipeline;

/// <summary>Reads and adds stage records on the request's <see cref="GatewayRequestFeature"/>.</summary>
internal static class HttpContextRecordExtensions
{
    public static GatewayRequestFeature GatewayRequest(this HttpContext context) =>
        context.Features.GetRequiredFeature<GatewayRequestFeature>();

    public static TRecord Record<TRecord>(this HttpContext context)
        where TRecord : class => context.GatewayRequest().Get<TRecord>();

    public static TRecord? FindRecord<TRecord>(this HttpContext context)
        where TRecord : class => context.Features.Get<GatewayRequestFeature>()?.Find<TRecord>();

    public static void AddRecord<TRecord>(this HttpContext context, TRecord record)
        where TRecord : class => context.GatewayRequest().Add(record);
}
