using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Gateway.Proxy.Forward;

/// <summary>
/// Builds <see cref="ProviderAnswerHeadersTransform"/> from route config <c>{ "GamutProviderAnswerHeaders": "True" }</c>; <c>False</c> adds nothing.
/// </summary>
internal sealed class ProviderAnswerHeadersTransformFactory : ITransformFactory
{
    public const string Key = TransformValues.Prefix + "ProviderAnswerHeaders";

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
            context.ResponseTransforms.Add(new ProviderAnswerHeadersTransform());
        }

        return true;
    }
}

/// <summary>Adds <see cref="ProviderAnswerHeadersTransform"/> to routes.</summary>
internal static class ProviderAnswerHeadersTransformExtensions
{
    /// <summary>Route config: the upstream's answer headers kept from speaking for the gateway's origin or naming the upstream.</summary>
    public static RouteConfig WithTransformProviderAnswerHeaders(this RouteConfig route) =>
        route.WithTransform(transform => transform[ProviderAnswerHeadersTransformFactory.Key] = bool.TrueString);
}
