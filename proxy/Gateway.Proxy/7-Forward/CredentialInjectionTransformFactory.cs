using Gateway.Policy;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Gateway.Proxy.Forward;

/// <summary>
/// Builds <see cref="CredentialInjectionTransform"/> from route config
/// <c>{ "GamutCredentialInjection": "Authorization", "Scheme": "Bearer", "Credential": "vault:openai" }</c>: the header
/// the credential goes in, how it is written (<see cref="CredentialScheme"/>), and the resolver's reference of the
/// connector's own credential (<c>vault:</c>, <c>env:</c> or <c>file:</c>; absent for a connector without one).
/// </summary>
internal sealed class CredentialInjectionTransformFactory : ITransformFactory
{
    public const string Key = TransformValues.Prefix + "CredentialInjection";

    public const string SchemeKey = "Scheme";

    public const string CredentialKey = "Credential";

    private static readonly string[] Sources = ["vault:", "env:", "file:"];

    public bool Validate(TransformRouteValidationContext context, IReadOnlyDictionary<string, string> transformValues)
    {
        if (!transformValues.TryGetValue(Key, out var header))
        {
            return false;
        }

        TransformValues.CheckKeys(context, transformValues, Key, SchemeKey, CredentialKey);
        if (!TransformValues.IsHeaderName(header))
        {
            context.Errors.Add(new ArgumentException($"'{header}' in {Key} is not a header name."));
        }

        transformValues.TryGetValue(SchemeKey, out var scheme);
        TransformValues.CheckOption<CredentialScheme>(context, SchemeKey, scheme);
        if (transformValues.TryGetValue(CredentialKey, out var credential)
            && !Sources.Any(source => credential.Length > source.Length && credential.StartsWith(source, StringComparison.Ordinal)))
        {
            context.Errors.Add(new ArgumentException($"{CredentialKey} of {Key} takes a credential reference ({string.Join(", ", Sources)} and a name); '{credential}' is none."));
        }

        return true;
    }

    public bool Build(TransformBuilderContext context, IReadOnlyDictionary<string, string> transformValues)
    {
        if (!transformValues.TryGetValue(Key, out var header))
        {
            return false;
        }

        var scheme = TransformValues.ParseOption<CredentialScheme>(SchemeKey, transformValues.GetValueOrDefault(SchemeKey, string.Empty));
        var auth = new ConnectorAuth { HeaderName = header, IsBearer = scheme == CredentialScheme.Bearer };
        context.AddCredentialInjection(auth, transformValues.GetValueOrDefault(CredentialKey));
        return true;
    }
}
