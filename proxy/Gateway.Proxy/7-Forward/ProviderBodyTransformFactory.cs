using Yarp.ReverseProxy.Transforms.Builder;

namespace Gateway.Proxy.Forward;

/// <summary>Builds <see cref="ProviderBodyTransform"/> from route config <c>{ "GamutProviderBody": "on" }</c>.</summary>
internal sealed class ProviderBodyTransformFactory : ITransformFactory
{
    public const string Key = "GamutProviderBody";

    public bool Validate(TransformRouteValidationContext context, IReadOnlyDictionary<string, string> transformValues) =>
        TransformValues.ValidateSwitch(context, transformValues, Key);

    public bool Build(TransformBuilderContext context, IReadOnlyDictionary<string, string> transformValues)
    {
        if (!transformValues.ContainsKey(Key))
        {
            return false;
        }

        context.AddProviderBody();
        return true;
    }
}
