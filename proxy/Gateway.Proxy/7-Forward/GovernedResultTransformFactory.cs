using Yarp.ReverseProxy.Transforms.Builder;

namespace Gateway.Proxy.Forward;

/// <summary>Builds <see cref="GovernedResultTransform"/> from route config <c>{ "GamutGovernedResult": "on" }</c>.</summary>
internal sealed class GovernedResultTransformFactory : ITransformFactory
{
    public const string Key = "GamutGovernedResult";

    public bool Validate(TransformRouteValidationContext context, IReadOnlyDictionary<string, string> transformValues) =>
        TransformValues.ValidateSwitch(context, transformValues, Key);

    public bool Build(TransformBuilderContext context, IReadOnlyDictionary<string, string> transformValues)
    {
        if (!transformValues.ContainsKey(Key))
        {
            return false;
        }

        context.AddGovernedResult();
        return true;
    }
}
