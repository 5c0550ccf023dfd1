using Yarp.ReverseProxy.Transforms.Builder;

namespace Gateway.Connectors.Injection;

/// <summary>
/// Builds <see cref="CredentialInjectionTransform"/> from route config
/// <c>{ "GatewayCredentialInjection": "*" }</c>: the credential of the connector on <see cref="ConnectorRequestFeature"/>.
/// </summary>
public sealed class CredentialInjectionTransformFactory : ITransformFactory
{
    /// <summary>The route transform key.</summary>
    public const string CredentialInjectionKey = "GatewayCredentialInjection";

    /// <summary>The value meaning "the connector on <see cref="ConnectorRequestFeature"/>".</summary>
    public const string FromFeature = "*";

    /// <inheritdoc/>
    public bool Validate(TransformRouteValidationContext context, IReadOnlyDictionary<string, string> transformValues)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(transformValues);
        if (!transformValues.TryGetValue(CredentialInjectionKey, out var value))
        {
            return false;
        }

        if (transformValues.Count != 1)
        {
            context.Errors.Add(new ArgumentException($"The {CredentialInjectionKey} transform takes no other keys."));
        }
        else if (value != FromFeature)
        {
            context.Errors.Add(new ArgumentException($"{CredentialInjectionKey} takes '{FromFeature}': the connector is the one the request was decided on."));
        }

        return true;
    }

    /// <inheritdoc/>
    public bool Build(TransformBuilderContext context, IReadOnlyDictionary<string, string> transformValues)
    {
        ArgumentNullException.ThrowIfNull(transformValues);
        if (!transformValues.TryGetValue(CredentialInjectionKey, out var value))
        {
            return false;
        }

        context.AddCredentialInjection();
        return true;
    }
}
