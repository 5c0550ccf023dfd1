using Gateway.Proxy.Mcp;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Gateway.Proxy.Forward;

/// <summary>Adds <see cref="McpSessionRequestTransform"/> and <see cref="McpSessionResponseTransform"/> to routes.</summary>
internal static class McpSessionTransformExtensions
{
    /// <summary>The MCP session header.</summary>
    public const string SessionHeader = "Mcp-Session-Id";

    /// <summary>The header that resumes an event stream.</summary>
    public const string LastEventIdHeader = "Last-Event-ID";

    /// <summary>Route config: the agent holds the upstream's MCP sessions bound to it.</summary>
    public static RouteConfig WithTransformMcpSessionBinding(this RouteConfig route) =>
        route.WithTransform(transform => transform[McpSessionTransformFactory.Key] = bool.TrueString);

    /// <summary>Code config: the binding key comes from the builder's services, once, when the route is built.</summary>
    public static TransformBuilderContext AddMcpSessionBinding(this TransformBuilderContext context)
    {
        context.RequestTransforms.Add(new McpSessionRequestTransform());
        context.ResponseTransforms.Add(new McpSessionResponseTransform(context.Services.GetRequiredService<McpSessionBinding>()));
        return context;
    }
}
