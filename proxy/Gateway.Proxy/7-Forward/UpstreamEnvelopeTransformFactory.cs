using Yarp.ReverseProxy.Transforms.Builder;

namespace Gateway.Proxy.Forward;

/// <summary>Builds <see cref="UpstreamEnvelopeTransform"/> from route config <c>{ "GamutUpstreamEnvelope": "on" }</c>.</summary>
internal sealed class UpstreamEnvelopeTransformFactory : ITransformFactory
{
    public const string Key = "GamutUpstreamEnvelope";

    public bool Validate(TransformRouteValidationContext context, IReadOnlyDictionary<string, string> transformValues) =>
        TransformValues.ValidateSwitch(context, transformValues, Key);

    public bool Build(TransformBuilderContext context, IReadOnlyDictionary<string, string> transformValues)
    {
        if (!transformValues.ContainsKey(Key))
        {
            return false;
        }

        context.AddUpstreamEnvelope();
        return true;
    }
}
