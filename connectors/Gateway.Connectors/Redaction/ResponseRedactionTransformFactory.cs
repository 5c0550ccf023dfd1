using Yarp.ReverseProxy.Transforms.Builder;

namespace Gateway.Connectors.Redaction;

/// <summary>Builds <see cref="ResponseRedactionTransform"/> from route config <c>{ "GatewayResponseRedaction": "true" }</c>.</summary>
public sealed class ResponseRedactionTransformFactory : ITransformFactory
{
    /// <summary>The route transform key.</summary>
    public const string ResponseRedactionKey = "GatewayResponseRedaction";

    /// <inheritdoc/>
    public bool Validate(TransformRouteValidationContext context, IReadOnlyDictionary<string, string> transformValues)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(transformValues);
        if (!transformValues.TryGetValue(ResponseRedactionKey, out var value))
        {
            return false;
        }

        if (transformValues.Count != 1 || !bool.TryParse(value, out _))
        {
            context.Errors.Add(new ArgumentException($"{ResponseRedactionKey} takes 'true' or 'false' and no other keys."));
        }

        return true;
    }

    /// <inheritdoc/>
    public bool Build(TransformBuilderContext context, IReadOnlyDictionary<string, string> transformValues)
    {
        ArgumentNullException.ThrowIfNull(transformValues);
        if (!transformValues.TryGetValue(ResponseRedactionKey, out var value))
        {
            return false;
        }

        if (bool.TryParse(value, out var enabled) && enabled)
        {
            context.AddResponseRedaction();
        }

        return true;
    }
}
