using Yarp.ReverseProxy.Transforms.Builder;

namespace Gateway.Proxy.Forward;

/// <summary>Builds <see cref="HeaderAllowlistTransform"/> from route config <c>{ "GamutHeaderAllowlist": "on" }</c>.</summary>
internal sealed class HeaderAllowlistTransformFactory : ITransformFactory
{
    public const string Key = "GamutHeaderAllowlist";

    public bool Validate(TransformRouteValidationContext context, IReadOnlyDictionary<string, string> transformValues) =>
        TransformValues.ValidateSwitch(context, transformValues, Key);

    public bool Build(TransformBuilderContext context, IReadOnlyDictionary<string, string> transformValues)
    {
        if (!transformValues.ContainsKey(Key))
        {
            return false;
        }

        context.AddHeaderAllowlist();
        return true;
    }
}
