using Yarp.ReverseProxy.Transforms.Builder;

namespace Gateway.Proxy.Forward;

/// <summary>
/// Builds <see cref="UpstreamEnvelopeTransform"/> from route config <c>{ "GamutUpstreamEnvelope": "GatewaySigned" }</c>:
/// what the route's connector adds to an envelope (<see cref="UpstreamEnvelopeForm"/>).
/// </summary>
internal sealed class UpstreamEnvelopeTransformFactory() : OptionTransformFactory<UpstreamEnvelopeForm>(Key)
{
    public const string Key = TransformValues.Prefix + "UpstreamEnvelope";

    private protected override void Add(TransformBuilderContext context, UpstreamEnvelopeForm option) => context.AddUpstreamEnvelope(option);
}
