using Yarp.ReverseProxy.Transforms.Builder;

namespace Gateway.Proxy.Forward;

/// <summary>
/// A factory whose route config is one key naming one member of <typeparamref name="TOption"/>
/// (<c>{ "GamutUpstreamEnvelope": "GatewaySigned" }</c>): <c>Validate</c> adds an error for another key and for a value
/// that names no member; <c>Build</c> adds the transform the option configures.
/// </summary>
internal abstract class OptionTransformFactory<TOption> : ITransformFactory
    where TOption : struct, Enum
{
    private readonly string _key;

    private protected OptionTransformFactory(string key) => _key = key;

    public bool Validate(TransformRouteValidationContext context, IReadOnlyDictionary<string, string> transformValues)
    {
        if (!transformValues.TryGetValue(_key, out var value))
        {
            return false;
        }

        TransformValues.CheckKeys(context, transformValues, _key);
        TransformValues.CheckOption<TOption>(context, _key, value);
        return true;
    }

    public bool Build(TransformBuilderContext context, IReadOnlyDictionary<string, string> transformValues)
    {
        if (!transformValues.TryGetValue(_key, out var value))
        {
            return false;
        }

        Add(context, TransformValues.ParseOption<TOption>(_key, value));
        return true;
    }

    /// <summary>Adds the transform <paramref name="option"/> configures.</summary>
    private protected abstract void Add(TransformBuilderContext context, TOption option);
}
