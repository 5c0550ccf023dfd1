using Yarp.ReverseProxy.Transforms.Builder;

namespace Gateway.Proxy.Forward;

/// <summary>
/// Builds <see cref="ProviderBodyTransform"/> from route config <c>{ "GamutProviderBody": "HoldBack" }</c>: how a value
/// split across a stream's events is redacted (<see cref="SplitValueRedaction"/>).
/// </summary>
internal sealed class ProviderBodyTransformFactory : ITransformFactory
{
    public const string Key = TransformValues.Prefix + "ProviderBody";

    public bool Validate(TransformRouteValidationContext context, IReadOnlyDictionary<string, string> transformValues)
    {
        if (!transformValues.TryGetValue(Key, out var value))
        {
            return false;
        }

        TransformValues.CheckKeys(context, transformValues, Key);
        TransformValues.CheckOption<SplitValueRedaction>(context, Key, value);
        return true;
    }

    public bool Build(TransformBuilderContext context, IReadOnlyDictionary<string, string> transformValues)
    {
        if (!transformValues.TryGetValue(Key, out var value))
        {
            return false;
        }

        context.AddProviderBody(TransformValues.ParseOption<SplitValueRedaction>(Key, value));
        return true;
    }
}
