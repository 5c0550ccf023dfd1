using Microsoft.AspNetCore.Http.Features;

namespace Gateway.Proxy.Pipeline;

/// <summary>The request's <see cref="GatewayRequestFeature"/>, where the stages read and add their records.</summary>
internal static class GatewayRequestFeatureExtensions
{
    public static GatewayRequestFeature GatewayRequest(this HttpContext context) =>
        context.Features.GetRequiredFeature<GatewayRequestFeature>();
}
