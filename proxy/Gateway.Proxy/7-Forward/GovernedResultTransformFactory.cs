using Gateway.Policy;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Gateway.Proxy.Forward;

/// <summary>
/// Builds <see cref="GovernedResultTransform"/> from route config <c>{ "GamutGovernedResult": "Http" }</c>: the kind of the
/// route's connector (a <see cref="ConnectorKind"/> name), whose result shape the answer is read in.
/// </summary>
internal sealed class GovernedResultTransformFactory : ITransformFactory
{
    public const string Key = TransformValues.Prefix + "GovernedResult";

    public bool Validate(TransformRouteValidationContext context, IReadOnlyDictionary<string, string> transformValues)
    {
        if (!transformValues.TryGetValue(Key, out var value))
        {
            return false;
        }

        TransformValues.CheckKeys(context, transformValues, Key);
        TransformValues.CheckOption<ConnectorKind>(context, Key, value);
        return true;
    }

    public bool Build(TransformBuilderContext context, IReadOnlyDictionary<string, string> transformValues)
    {
        if (!transformValues.TryGetValue(Key, out var value))
        {
            return false;
        }

        context.AddGovernedResult(TransformValues.ParseOption<ConnectorKind>(Key, value));
        return true;
    }
}
