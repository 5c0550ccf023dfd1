using Yarp.ReverseProxy.Transforms.Builder;

namespace Gateway.Proxy.Forward;

/// <summary>
/// Builds <see cref="ProviderBodyTransform"/> from route config <c>{ "GamutProviderBody": "HoldBack" }</c>: how a value
/// split across a stream's events is redacted (<see cref="SplitValueRedaction"/>).
/// </summary>
internal sealed class ProviderBodyTransformFactory() : OptionTransformFactory<SplitValueRedaction>(Key)
{
    public const string Key = TransformValues.Prefix + "ProviderBody";

    private protected override void Add(TransformBuilderContext context, SplitValueRedaction option) => context.AddProviderBody(option);
}
