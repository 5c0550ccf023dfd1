namespace Gateway.Proxy.Forward;

/// <summary>Registers the gateway's transform factories with YARP.</summary>
internal static class GatewayTransformFactories
{
    /// <summary>The factories of every <c>Gamut…</c> transform key.</summary>
    public static IReverseProxyBuilder AddGatewayTransforms(this IReverseProxyBuilder builder) => builder
        .AddTransformFactory<HeaderAllowlistTransformFactory>()
        .AddTransformFactory<CredentialInjectionTransformFactory>()
        .AddTransformFactory<UpstreamEnvelopeTransformFactory>()
        .AddTransformFactory<ProviderBodyTransformFactory>()
        .AddTransformFactory<McpSessionTransformFactory>()
        .AddTransformFactory<ProviderLinkTransformFactory>()
        .AddTransformFactory<ProviderAnswerHeadersTransformFactory>()
        .AddTransformFactory<GovernedResultTransformFactory>();
}
