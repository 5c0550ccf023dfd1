using Yarp.ReverseProxy.Transforms.Builder;

namespace Gateway.Proxy.Forward;

/// <summary>
/// Builds <see cref="UpstreamEnvelopeTransform"/> from route config <c>{ "GamutUpstreamEnvelope": "GatewaySigned" }</c>:
/// what the route's connector adds to an envelope (<see cref="UpstreamEnvelopeForm"/>).
/// </summary>
internal sealed class UpstreamEnvelopeTransformFactory : ITransformFactory
{
    public const string Key = TransformValues.Prefix + "UpstreamEnvelope";

    public bool Validate(TransformRouteValidationContext context, IReadOnlyDictionary<string, string> transformValues)
    {
        if (!transformValues.TryGetValue(Key, out var value))
        {
            return false;
        }

        TransformValues.CheckKeys(context, transformValues, Key);
        TransformValues.CheckOption<UpstreamEnvelopeForm>(context, Key, value);
        return true;
    }

    public bool Build(TransformBuilderContext context, IReadOnlyDictionary<string, string> transformValues)
    {
        if (!transformValues.TryGetValue(Key, out var value))
        {
            return false;
        }

        context.AddUpstreamEnvelope(TransformValues.ParseOption<UpstreamEnvelopeForm>(Key, value));
        return true;
    }
}
