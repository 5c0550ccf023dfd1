using Gateway.Connectors.Kinds;
using Gateway.Policy;
using Gateway.Proxy.Mcp;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Gateway.Proxy.Forward;

/// <summary>Adds <see cref="GovernedResultTransform"/> to routes.</summary>
internal static class GovernedResultTransformExtensions
{
    /// <summary>Route config: read the answer in the result shape of <paramref name="shape"/>.</summary>
    public static RouteConfig WithTransformGovernedResult(this RouteConfig route, ConnectorKind shape) =>
        route.WithTransform(transform => transform[GovernedResultTransformFactory.Key] = shape.ToString());

    /// <summary>Code config: an MCP server's transform is given the store of its requests to the client and their answerer, once, when the route is built.</summary>
    public static TransformBuilderContext AddGovernedResult(this TransformBuilderContext context, ConnectorKind shape)
    {
        var mcp = ConnectorTypes.Of(shape).IsMcpServer;
        var requests = mcp ? context.Services.GetRequiredService<McpServerRequests>() : null;
        var answers = mcp ? context.Services.GetRequiredService<McpAnswerRelay>() : null;
        context.ResponseTransforms.Add(new GovernedResultTransform(shape, requests, answers));
        return context;
    }
}
