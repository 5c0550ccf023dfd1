using Gateway.Connectors.Kinds;
using Gateway.Connectors.Mcp;
using Gateway.Connectors.Redaction;
using Gateway.Oversight;
using Gateway.Policy;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Bundle;
using Gateway.Proxy.Mcp;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;
using Microsoft.AspNetCore.Http.Features;

namespace Gateway.Proxy.Describe;

/// <summary>
/// Describe for the provider route (<c>ANY /providers/{connector}/{**path}</c>): reads the raw target strictly
/// (<see cref="ProviderTarget"/>), refuses method overrides, compressed bodies and, on an MCP server, a session id
/// not bound to the caller (<see cref="McpSessionBinding"/>) or a mirrored header that disagrees with the body
/// (<see cref="McpMirroredHeaders"/>, <see cref="McpParamHeaders"/> by the served tool's definition) or a batch at a revision without
/// batches (<see cref="McpBatchRevision"/>), and maps the request to its connector
/// kind's operation (<see cref="ConnectorType.MatchOperation"/>): a request no operation maps is refused (and recorded),
/// never forwarded as something else. Its body passes through as the client sent it (<see cref="DescribedAction.PassesBodyThrough"/>).
/// An MCP server's body that is no JSON-RPC message is refused as on <c>/mcp</c> (<see cref="McpMessageReader.Unreadable"/>).
/// </summary>
internal sealed class ProviderDescriber(PolicyProvider policy, McpOrigins origins, McpSessionBinding sessions, McpServerToolLists servers) : IRouteDescriber
{
    /// <summary>The route kind's name.</summary>
    public const string Kind = ProviderDialect.RouteKind;

    private const string SessionHeader = "Mcp-Session-Id";

    private static readonly string[] MethodOverrideHeaders = ["X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override"];

    public async ValueTask<(DescribedAction? Action, Refusal? Refusal)> DescribeAsync(HttpContext context, GatewayRequestFeature feature, AuthenticatedRequest authenticated)
    {
        var rawTarget = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? (context.Request.PathBase + context.Request.Path + context.Request.QueryString).ToString();
        if (!ProviderTarget.TryParse(rawTarget, out var target, out var notCanonical))
        {
            // Said in the dialect the decoded path presumes: an OpenAI client sending a doubled slash reads an OpenAI error.
            if (ProviderDialect.TryPresumeFromPath(context.Request, out var presumed))
            {
                feature.Dialect = presumed;
            }

            return (null, new Refusal(StatusCodes.Status400BadRequest, ProblemCodes.PathNotCanonical, notCanonical + " Send the path exactly as the provider documents it."));
        }

        // Without the connector's kind (no policy, no such connector), the dialect its target presumes.
        if (policy.TenantOf(authenticated.Identity) is not { } tenant)
        {
            feature.Dialect = ProviderDialect.Presume(context.Request.Method, target.Segments);
            return (null, Refusal.PolicyUnavailable());
        }

        if (!tenant.TryGetCatalogEntry(target.Connector, out var named) || named is null || !named.Type().HasOwnUpstream || named.Upstream is null)
        {
            feature.Dialect = ProviderDialect.Presume(context.Request.Method, target.Segments);
            return (null, new Refusal(StatusCodes.Status404NotFound, ProblemCodes.UnknownConnector, $"No connector '{RefusalText.Truncate(target.Connector)}' is in this tenant's catalog."));
        }

        var kind = named.Type();
        feature.Dialect = kind.ErrorFormat switch
        {
            ErrorFormat.OpenAIError => RefusalDialect.OpenAI,
            ErrorFormat.AnthropicError => RefusalDialect.Anthropic,
            ErrorFormat.JsonRpc => RefusalDialect.JsonRpc,
            _ => RefusalDialect.Problem,
        };
        var body = authenticated.Body;
        McpRequest? rpc = null;
        string? rpcError = null;
        if (kind.IsMcpServer && !body.IsEmpty && McpRequestParser.TryParse(body.Span, out rpc, out rpcError) && !rpc.IsBatch)
        {
            feature.JsonRpcId = rpc.Messages[0].Id;
        }

        // MCP spoken to one server directly is held to the rules of /mcp: the same Origin check, and the headers the
        // transport mirrors from the body must agree with it.
        if (kind.IsMcpServer && origins.Check(context.Request, named.Name) is { } originRefused)
        {
            return (null, originRefused);
        }

        if (rpc is not null && McpMirroredHeaders.Check(context.Request.Headers, rpc, body.Span, named.Name) is { } mismatch)
        {
            return (null, mismatch);
        }

        if (rpc is not null && McpBatchRevision.Refuse(context.Request.Headers, rpc, named.Name) is { } batchRefused)
        {
            // A batch has no one id to answer: a JSON-RPC error with id null.
            feature.JsonRpcId = "null";
            return (null, batchRefused);
        }

        IReadOnlySet<string> paramHeaders = ProviderMcpSession.NoParamHeaders;
        if (kind.IsMcpServer && McpParamHeaders.AnyIn(context.Request.Headers))
        {
            (var paramMismatch, paramHeaders) = await ParamHeadersAsync(context, tenant, named, rpc, body).ConfigureAwait(false);
            if (paramMismatch is not null)
            {
                return (null, paramMismatch);
            }
        }

        if (kind.IsMcpServer && body.IsEmpty && HttpMethods.IsPost(context.Request.Method))
        {
            // A POST carries one JSON-RPC message; only the GET of the event stream and the DELETE of a session have no body.
            return (null, new Refusal(StatusCodes.Status400BadRequest, ProblemCodes.MalformedBody, "A POST to an MCP server carries a JSON-RPC message; this one has no body."));
        }

        if (kind.IsMcpServer && SessionRefusal(context.Request.Headers, feature, authenticated.Identity, named.Name, paramHeaders) is { } unknownSession)
        {
            return (null, unknownSession);
        }

        if (MethodOverrideHeader(context.Request.Headers) is { } overrideHeader)
        {
            return (null, new Refusal(StatusCodes.Status400BadRequest, ProblemCodes.MethodOverrideRefused, $"Method override headers ({overrideHeader}) are refused; send the real method.")
            {
                AuditTool = named.Name,
            });
        }

        if (context.Request.Headers.ContentEncoding is { Count: > 0 } encoding && !string.Equals(encoding.ToString(), "identity", StringComparison.OrdinalIgnoreCase))
        {
            return (null, new Refusal(StatusCodes.Status415UnsupportedMediaType, ProblemCodes.UnsupportedMediaType, "A compressed request body cannot be inspected; send it uncompressed.")
            {
                AuditTool = named.Name,
            });
        }

        // A charset other than UTF-8 (windows-1252, latin1, even us-ascii, which many servers decode as windows-1252), or two that
        // differ: the upstream would read a byte such as 0x96 as a dash where the rules, reading UTF-8, see none.
        if (!body.IsEmpty && BodyRedactors.DeclaredCharset(context.Request.ContentType) is { } charset && !BodyRedactors.IsUtf8(charset))
        {
            return (null, new Refusal(StatusCodes.Status415UnsupportedMediaType, ProblemCodes.UnsupportedMediaType,
                $"The body's content type ({RefusalText.Truncate(context.Request.ContentType!)}) declares a charset other than UTF-8; bodies on this route are read as UTF-8 by the rules and redaction, so one the upstream decodes otherwise is refused. Send it as UTF-8. Nothing was forwarded.")
            {
                AuditTool = named.Name,
            });
        }

        if (kind.MatchOperation(tenant, named, context.Request.Method, target.Segments) is not { } operation)
        {
            return (null, new Refusal(StatusCodes.Status403Forbidden, ProblemCodes.OperationNotMapped,
                $"{context.Request.Method} /{RefusalText.Truncate(target.CanonicalPath)} is not an operation connector '{named.Name}' declares; nothing was forwarded.")
            {
                AuditTool = named.Name,
            });
        }

        var described = ProviderActionDescriber.Describe(tenant, operation, target.RawQuery, body, context.Request.ContentType, context.Request.Method, rpc, rpcError);
        if (described.Request is not { } request)
        {
            if (kind.IsMcpServer && rpc is null && !body.IsEmpty && described.Refusal is { Code: ProblemCodes.MalformedBody } unreadable)
            {
                // A body that is no JSON-RPC message is answered in JSON-RPC as on /mcp: HTTP 400, under its id where one can be read.
                feature.JsonRpcId = McpMessageReader.IdOf(body);
                return (null, McpMessageReader.Unreadable(body, unreadable.Detail!) with { AuditTool = unreadable.AuditTool });
            }

            return (null, described.Refusal);
        }

        // A model listing or a token count runs no model: nothing to estimate, reserve or count.
        var runsAModel = !HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method)
            && (target.Segments.Count == 0 || !string.Equals(target.Segments[^1], "count_tokens", StringComparison.Ordinal));
        return (new DescribedAction(tenant, request) { Target = target, Operation = operation, Mcp = described.Mcp, Body = described.Body, CarriesModelRequest = runsAModel }, null);
    }

    /// <summary>
    /// The <c>Mcp-Param-*</c> headers of a <c>tools/call</c> checked against its arguments by the tool's definition as the
    /// server serves it to the gateway's own client (<see cref="McpServerToolLists"/>, a listing at most 30 s old): a refusal
    /// when one disagrees, else those that agree. Any other request's, or where the server or the tool is not known, none:
    /// a header the gateway cannot tie to an argument is not forwarded.
    /// </summary>
    private async ValueTask<(Refusal? Refusal, IReadOnlySet<string> Agreeing)> ParamHeadersAsync(HttpContext context, TenantPolicy tenant, CatalogEntry server, McpRequest? rpc, ReadOnlyMemory<byte> body)
    {
        if (rpc is not { IsBatch: false, Messages: [{ IsToolCall: true, ToolName: { } toolName }] })
        {
            return (null, ProviderMcpSession.NoParamHeaders);
        }

        var served = await servers.GetAsync(tenant.Slug, server, context.RequestAborted).ConfigureAwait(false);
        return served.Find(toolName) is { } tool
            ? McpParamHeaders.Check(context.Request.Headers, tool.InputSchema, body.Span, server.Name)
            : (null, ProviderMcpSession.NoParamHeaders);
    }

    /// <summary>
    /// Null when the request names no session or one bound to this agent at this server (<see cref="McpSessionBinding"/>),
    /// noted for the forward transforms with the <c>Mcp-Param-*</c> headers that go on; otherwise 404 (recorded), what the
    /// MCP specification answers for an unknown session.
    /// </summary>
    private Refusal? SessionRefusal(IHeaderDictionary headers, GatewayRequestFeature feature, AgentIdentity identity, string connector, IReadOnlySet<string> paramHeaders)
    {
        var owner = new McpSessionOwner(identity.Tenant, identity.Agent, connector, identity.Person);
        string? upstream = null;
        if (headers[SessionHeader] is { Count: > 0 } presented)
        {
            if (presented.Count > 1 || !sessions.TryUnbind(owner, presented[0], out var unbound))
            {
                return new Refusal(StatusCodes.Status404NotFound, ProblemCodes.McpSessionNotFound,
                    $"No such MCP session of this agent at server '{connector}': it was opened for another agent or never given; initialize a new one. Nothing was forwarded.")
                {
                    AuditTool = connector,
                    JsonRpcKeepsStatus = true,
                };
            }

            upstream = unbound;
        }

        feature.Add(new ProviderMcpSession(owner, upstream) { ParamHeaders = paramHeaders });
        return null;
    }

    private static string? MethodOverrideHeader(IHeaderDictionary headers)
    {
        foreach (var name in MethodOverrideHeaders)
        {
            if (headers.ContainsKey(name))
            {
                return name;
            }
        }

        return null;
    }
}
