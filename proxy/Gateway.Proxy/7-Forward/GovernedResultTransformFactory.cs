using Gateway.Policy;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Gateway.Proxy.Forward;

/// <summary>
/// Builds <see cref="GovernedResultTransform"/> from route config <c>{ "GamutGovernedResult": "Http" }</c>: the kind of the
/// route's connector (a <see cref="ConnectorKind"/> name), whose result shape the answer is read in.
/// </summary>
internal sealed class GovernedResultTransformFactory() : OptionTransformFactory<ConnectorKind>(Key)
{
    public const string Key = TransformValues.Prefix + "GovernedResult";

    private protected override void Add(TransformBuilderContext context, ConnectorKind option) => context.AddGovernedResult(option);
}
