using Yarp.ReverseProxy.Transforms.Builder;

namespace Gateway.Proxy.Forward;

/// <summary>
/// Builds <see cref="ProviderLinkTransform"/> from route config <c>{ "GamutProviderLinks": "True" }</c>; <c>False</c> adds nothing.
/// </summary>
internal sealed class ProviderLinkTransformFactory : ITransformFactory
{
    public const string Key = TransformValues.Prefix + "ProviderLinks";

    public bool Validate(TransformRouteValidationContext context, IReadOnlyDictionary<string, string> transformValues)
    {
        if (!transformValues.TryGetValue(Key, out var value))
        {
            return false;
        }

        TransformValues.CheckKeys(context, transformValues, Key);
        if (!bool.TryParse(value, out _))
        {
            context.Errors.Add(new ArgumentException($"'{value}' is not a value of {Key}; it takes True or False."));
        }

        return true;
    }

    public bool Build(TransformBuilderContext context, IReadOnlyDictionary<string, string> transformValues)
    {
        if (!transformValues.TryGetValue(Key, out var value))
        {
            return false;
        }

        if (bool.Parse(value))
        {
            context.AddProviderLinks();
        }

        return true;
    }
}
