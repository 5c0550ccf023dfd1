using Yarp.ReverseProxy.Transforms.Builder;

namespace Gateway.Proxy.Forward;

/// <summary>
/// Builds <see cref="HeaderAllowlistTransform"/> from route config <c>{ "GamutRequestHeadersAllowed": "Accept;Content-Type;X-Stainless-*" }</c>:
/// the header names, separated by <c>;</c>, each an HTTP token; a trailing <c>*</c> (and only there) allows a prefix.
/// </summary>
internal sealed class HeaderAllowlistTransformFactory : ITransformFactory
{
    public const string Key = TransformValues.Prefix + "RequestHeadersAllowed";

    public const char Separator = ';';

    public bool Validate(TransformRouteValidationContext context, IReadOnlyDictionary<string, string> transformValues)
    {
        if (!transformValues.TryGetValue(Key, out var value))
        {
            return false;
        }

        TransformValues.CheckKeys(context, transformValues, Key);
        var names = Names(value);
        if (names.Length == 0)
        {
            context.Errors.Add(new ArgumentException($"{Key} names no header; it takes header names separated by '{Separator}'."));
        }

        foreach (var name in names)
        {
            var bare = name.EndsWith('*') ? name.AsSpan(0, name.Length - 1) : name.AsSpan();
            if (!TransformValues.IsHeaderName(bare) || bare.Contains('*'))
            {
                context.Errors.Add(new ArgumentException($"'{name}' in {Key} is not a header name (a token, with '*' only at its end for a prefix)."));
            }
        }

        return true;
    }

    public bool Build(TransformBuilderContext context, IReadOnlyDictionary<string, string> transformValues)
    {
        if (!transformValues.TryGetValue(Key, out var value))
        {
            return false;
        }

        context.AddRequestHeadersAllowed(Names(value));
        return true;
    }

    private static string[] Names(string value) => value.Split(Separator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
