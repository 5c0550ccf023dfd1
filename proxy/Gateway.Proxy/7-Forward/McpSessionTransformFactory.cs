using Yarp.ReverseProxy.Transforms.Builder;

namespace Gateway.Proxy.Forward;

/// <summary>
/// Builds the MCP session binding (<see cref="McpSessionRequestTransform"/>, <see cref="McpSessionResponseTransform"/>) from
/// route config <c>{ "GamutMcpSessionBinding": "True" }</c>; <c>False</c> adds nothing.
/// </summary>
internal sealed class McpSessionTransformFactory : ITransformFactory
{
    public const string Key = TransformValues.Prefix + "McpSessionBinding";

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
            context.AddMcpSessionBinding();
        }

        return true;
    }
}
