using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Gateway.Connectors.Kinds;
using Gateway.Connectors.Mcp;
using Gateway.Oversight;
using Gateway.Policy;
using Gateway.Policy.Serialization;
using Gateway.Policy.Tools;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Describe;

/// <summary>
/// Turns a provider-native request on <c>/providers/{connector}/…</c> into the action the policy
/// decides: the operation the kind's table maps the request to (<see cref="ConnectorType.MatchOperation"/>),
/// with the path template's captures (and, for a query-bound HTTP tool, the query) among its
/// arguments; for an MCP server, each <c>tools/call</c> names the catalog's <c>mcp_tool</c> entry for
/// that tool, so tool permissions scope MCP tools one by one; a <c>prompts/get</c>, <c>resources/read</c> or
/// <c>resources/subscribe</c> is decided with the arguments <c>/mcp</c> decides it with, <c>completion/complete</c> is refused,
/// as is any method <see cref="McpProviderMethods"/> does not list (<c>tasks/*</c>, <c>subscriptions/listen</c>, a vendor's),
/// and a member the gateway reads spelled in another case is refused (the body is forwarded as sent).
/// </summary>
internal static class ProviderActionDescriber
{
    /// <summary>JSON-RPC's invalid request: a message whose own members are not what the gateway reads.</summary>
    internal const int InvalidRequest = -32600;

    /// <summary>JSON-RPC's method not found: a method this route does not serve.</summary>
    private const int MethodNotFound = -32601;

    /// <summary>The action, or the refusal when the request cannot be described.</summary>
    public readonly record struct Result(ActionRequest? Request, McpRequest? Mcp, Refusal? Refusal)
    {
        /// <summary>A JSON body as parsed here (Undefined for any other); later stages read it instead of parsing again.</summary>
        public JsonElement Body { get; init; }

        public static Result Refuse(int status, string code, string detail) => new(null, null, new Refusal(status, code, detail));
    }

    /// <summary>The action, or the refusal when the request cannot be described.</summary>
    /// <param name="tenant">The tenant whose catalog names the tools.</param>
    /// <param name="operation">The operation the request maps to.</param>
    /// <param name="rawQuery">The query as signed.</param>
    /// <param name="body">The body as signed.</param>
    /// <param name="contentType">The body's content type.</param>
    /// <param name="method">The request's method (an untyped body is refused on a POST only).</param>
    /// <param name="mcp">For an MCP server: the body read as JSON-RPC by the Describe stage (null when it could not be).</param>
    /// <param name="mcpError">Why it could not be.</param>
    public static Result Describe(TenantPolicy tenant, ProviderOperation operation, string rawQuery, ReadOnlyMemory<byte> body, string? contentType, string method, McpRequest? mcp, string? mcpError)
    {
        // Read strictly whatever its declared type: a body declared JSON (or an MCP server's, read as JSON-RPC) must be JSON;
        // one declared otherwise that is a JSON object all the same gives its arguments (an upstream that reads JSON whatever
        // the header says reads them), and one that only a lenient reader takes (a repeated member, a lone surrogate) is
        // refused under any type, as is one that opens as JSON but is JSON only to a lenient reader (LooksLikeJson). A form,
        // an XML body and an untyped POST body that is not JSON (or holds a raw '&') are refused 415; anything else carries none
        // (refused invalid_arguments where the entry has an input_schema, which it cannot be checked against).
        var parsed = default(JsonElement);
        var args = default(JsonElement);
        var bodyOfArguments = !body.IsEmpty && !operation.Entry.Type().IsMcpServer;
        var untypedPost = bodyOfArguments && IsUntyped(contentType) && HttpMethods.IsPost(method);
        if (bodyOfArguments && (IsForm(contentType) || IsXml(contentType)))
        {
            // A form's fields and an XML body's elements are arguments to the upstream (express, Flask, Rails, Spring read
            // forms, Spring's jackson-dataformat-xml and ASP.NET Core's XML formatters bind XML; a LiteLLM proxy reads a model
            // request's) that no rule would see. An MCP server's body is JSON-RPC, whatever its declared type.
            return UnsupportedMediaType(operation,
                "A form or XML body (application/x-www-form-urlencoded, multipart/form-data, application/xml, text/xml, */*+xml) is not decided on; send the arguments as JSON.");
        }

        if (!body.IsEmpty)
        {
            var declared = IsJson(contentType) || mcp is not null;
            if (TryReadStrictly(body, out var read))
            {
                if (untypedPost && body.Span.Contains((byte)'&'))
                {
                    return UntypedRefusal(operation, "is JSON holding a raw '&', which a server that reads it as a form splits into fields never decided on");
                }

                parsed = declared ? read : default;
                args = read.ValueKind == JsonValueKind.Object ? read : default;
            }
            else if (declared)
            {
                return Result.Refuse(StatusCodes.Status400BadRequest, ProblemCodes.MalformedBody, "The body is not valid JSON.");
            }
            else if (IsLenientJson(body) || LooksLikeJson(body.Span))
            {
                return Result.Refuse(StatusCodes.Status400BadRequest, ProblemCodes.MalformedBody,
                    "The body is JSON only to a lenient reader (a repeated member, a lone surrogate, a byte-order mark, NaN, a comment, another encoding), whatever its declared content type.");
            }
            else if (untypedPost)
            {
                return UntypedRefusal(operation, "is not JSON");
            }
        }

        return Describe(tenant, operation, rawQuery, body, parsed, args, mcp, mcpError) with { Body = parsed };
    }

    /// <summary>The body as JSON read strictly (no repeated member, no lone surrogate), when it is.</summary>
    private static bool TryReadStrictly(ReadOnlyMemory<byte> body, out JsonElement read)
    {
        try
        {
            read = JsonText.ParseStrict(body.Span);
            return true;
        }
        catch (JsonException)
        {
            read = default;
            return false;
        }
    }

    /// <summary>
    /// True when a body that is not JSON to a strict reader opens as JSON would to a lenient one: its first character past
    /// whitespace (any Unicode whitespace, control or format character), byte-order marks, NULs (UTF-16 and UTF-32 spell
    /// <c>{</c> with them) and comments (<c>/* */</c>, <c>//</c>, <c>#</c>) is <c>{</c> or <c>[</c>. Python's, Jackson's,
    /// Json.NET's and Gson's readers take a byte-order mark, <c>NaN</c>, UTF-16, comments or other whitespace, which would
    /// carry arguments the decision never saw.
    /// </summary>
    private static bool LooksLikeJson(ReadOnlySpan<byte> body)
    {
        while (!body.IsEmpty)
        {
            if (body[0] is 0xFE or 0xFF)
            {
                body = body[1..];
                continue;
            }

            if (Rune.DecodeFromUtf8(body, out var rune, out var length) != OperationStatus.Done)
            {
                return false;
            }

            if (Rune.IsWhiteSpace(rune) || Rune.IsControl(rune) || Rune.GetUnicodeCategory(rune) == UnicodeCategory.Format)
            {
                body = body[length..];
            }
            else if (body.StartsWith("/*"u8))
            {
                var end = body[2..].IndexOf("*/"u8);
                if (end < 0)
                {
                    return false;
                }

                body = body[(end + 4)..];
            }
            else if (body.StartsWith("//"u8) || body[0] == (byte)'#')
            {
                var end = body.IndexOfAny((byte)'\n', (byte)'\r');
                if (end < 0)
                {
                    return false;
                }

                body = body[end..];
            }
            else
            {
                return rune.Value is '{' or '[';
            }
        }

        return false;
    }

    /// <summary>True when a lenient reader takes the body as JSON (repeated members and lone surrogates allowed).</summary>
    private static bool IsLenientJson(ReadOnlyMemory<byte> body)
    {
        try
        {
            using var lenient = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = JsonText.RequestBodyDepth });
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static Result Describe(TenantPolicy tenant, ProviderOperation operation, string rawQuery, ReadOnlyMemory<byte> body, JsonElement root, JsonElement args, McpRequest? mcp, string? mcpError)
    {
        var connector = operation.Entry;
        if (!connector.Type().IsMcpServer)
        {
            var (withQuery, conflict) = TransparentArguments.Merge(connector, operation, rawQuery, args);
            if (conflict is not null)
            {
                return new Result(null, null, conflict);
            }

            // A model member in the query (?model=o1-pro) would be the one a LiteLLM-style server runs, never decided here.
            if (connector.Type().IsModel && (ModelRequestMembers.Refusal(args) ?? ModelRequestMembers.QueryRefusal(rawQuery)) is { } misspelled)
            {
                return new Result(null, null, new Refusal(StatusCodes.Status400BadRequest, ProblemCodes.MalformedBody, misspelled) { AuditTool = connector.Name });
            }

            // A tool the provider runs itself (web search, code execution, an MCP server) passes only where the entry lists it.
            if (ModelProviderTools.Refuse(connector, args) is { } hosted)
            {
                return new Result(null, null, hosted);
            }

            if (connector.Type().ArgumentsRefusal(connector, withQuery) is { } refused)
            {
                return new Result(null, null, new Refusal(StatusCodes.Status400BadRequest, ProblemCodes.MalformedBody, char.ToUpperInvariant(refused[0]) + refused[1..]) { AuditTool = connector.Name });
            }

            // An http or webhook entry's input schema holds for the arguments decided: the body's, the query's and the path's.
            // A body that is not a JSON object (text/plain, octet-stream, a JSON array) holds arguments no schema or rule reads,
            // which the upstream may parse all the same: refused where the entry declares its arguments, else decided without.
            if (!body.IsEmpty && args.ValueKind != JsonValueKind.Object && ToolInputRefusal.SchemaOf(connector) is not null)
            {
                return new Result(null, null, new Refusal(StatusCodes.Status400BadRequest, ProblemCodes.InvalidArguments,
                    $"The body is not a JSON object, so the input_schema of '{connector.Name}' cannot be checked; send the arguments as a JSON object with Content-Type: application/json. Nothing was forwarded.") { AuditTool = connector.Name });
            }

            return ToolInputCheck.RefuseProviderArguments(connector, withQuery, args, operation.PathArgs) is { } invalid
                ? new Result(null, null, invalid)
                : new Result(new ActionRequest { Tool = connector.Name, Args = withQuery }, null, null);
        }

        if (body.IsEmpty)
        {
            // A GET opening the server's event stream, or a DELETE ending the session.
            return new Result(new ActionRequest { Tool = connector.Name }, null, null);
        }

        if (mcp is null)
        {
            return Result.Refuse(StatusCodes.Status400BadRequest, ProblemCodes.MalformedBody, mcpError ?? "The body is not a JSON-RPC request.");
        }

        // The body is forwarded as sent: a member the gateway reads spelled in another case would be the one a server
        // binding names without case acts on, while the gateway decided the exact spelling.
        if (McpRequestParser.MisspelledMember(root) is { } spelledOtherwise)
        {
            return new Result(null, mcp, new Refusal(StatusCodes.Status400BadRequest, ProblemCodes.MalformedBody, spelledOtherwise.Detail)
            {
                AuditTool = connector.Name,
                JsonRpcCode = spelledOtherwise.InParams ? McpCallReader.InvalidParams : InvalidRequest,
            });
        }

        // /mcp tells a caller a completion's values one by one, each only if the read it names may be made
        // (McpReadClearance.PermitsCompletedValue); the server's answer here goes to the agent as it is, so it is not asked.
        if (mcp.Messages.Any(static m => m.Method == "completion/complete"))
        {
            return new Result(null, mcp, new Refusal(StatusCodes.Status403Forbidden, ProblemCodes.OperationNotMapped,
                $"completion/complete is not served on '{connector.Name}''s own route, whose answers are forwarded as the server writes them: the values it completes are read one by one against the policy only on /mcp. Ask it there; nothing was forwarded.")
            {
                AuditTool = connector.Name,
                JsonRpcCode = MethodNotFound,
            });
        }

        // Only what the gateway decides (above and below) or knows to act on nothing and disclose nothing beyond what is
        // decided is forwarded: any other method (tasks/*, subscriptions/listen, a vendor's) would reach the server on the
        // one shared credential, undecided, as /mcp never lets it.
        if (mcp.Messages.FirstOrDefault(static m => !McpProviderMethods.Forwards(m)) is { } unserved)
        {
            return new Result(null, mcp, new Refusal(StatusCodes.Status403Forbidden, ProblemCodes.OperationNotMapped,
                $"{RefusalText.Truncate(unserved.Method!)} is not an operation '{connector.Name}''s own route serves: it is not decided on, so it is not forwarded. {McpProviderMethods.Served}; nothing was forwarded.")
            {
                AuditTool = connector.Name,
                JsonRpcCode = MethodNotFound,
            });
        }

        var toolNames = mcp.ToolNames.Distinct(StringComparer.Ordinal).ToArray();
        var read = mcp.Messages.FirstOrDefault(static m => m.Method is "prompts/get" or "resources/read" or "resources/subscribe");
        if (toolNames.Length > 1 || ((toolNames.Length == 1 || read is not null) && (mcp.IsBatch || mcp.Messages.Count > 1)))
        {
            return Result.Refuse(StatusCodes.Status400BadRequest, ProblemCodes.MalformedBody,
                "A tools/call, prompts/get, resources/read or resources/subscribe must be sent on its own, one per request and not in a batch, so that each is decided.");
        }

        if (read is not null)
        {
            // Decided with the arguments /mcp decides the same read with: a rule on $.uri or $.prompt holds on both routes. A
            // subscription is decided as the read of its resource ({uri}), as /mcp clears it (McpReadClearance.PermitsSubscription).
            var decidedAs = read.Method == "resources/subscribe" ? "resources/read" : read.Method!;
            return McpCallReader.TryServerReadArgs(decidedAs, args, out var readArgs)
                ? new Result(new ActionRequest { Tool = connector.Name, Args = readArgs }, mcp, null)
                : new Result(null, mcp, new Refusal(StatusCodes.Status400BadRequest, ProblemCodes.MalformedBody,
                    $"{read.Method} needs params with {(read.Method == "prompts/get" ? "a string name and, if any, an object of arguments" : "a string uri")}.") { AuditTool = connector.Name, JsonRpcCode = McpCallReader.InvalidParams });
        }

        if (toolNames.Length == 0)
        {
            return new Result(new ActionRequest { Tool = connector.Name }, mcp, null);
        }

        // A tool no mcp_tool entry serves is unknown, never decided as an entry whose name happens to read like it.
        if (tenant.FindMcpTool(connector.Name, toolNames[0]) is not { } tool)
        {
            return new Result(null, mcp, new Refusal(StatusCodes.Status400BadRequest, ProblemCodes.UnknownTool,
                $"No mcp_tool entry of this tenant's catalog serves the tool '{RefusalText.Truncate(toolNames[0])}' of '{connector.Name}'.") { AuditTool = connector.Name, JsonRpcCode = McpCallReader.InvalidParams });
        }

        var callArgs = args.ValueKind == JsonValueKind.Object && args.TryGetProperty("params", out var parameters)
            && parameters.ValueKind == JsonValueKind.Object && parameters.TryGetProperty("arguments", out var arguments)
            && arguments.ValueKind == JsonValueKind.Object
                ? arguments.Clone()
                : default;
        return new Result(new ActionRequest { Tool = tool, Args = callArgs }, mcp, null);
    }

    private static Result UnsupportedMediaType(ProviderOperation operation, string detail) =>
        new(null, null, new Refusal(StatusCodes.Status415UnsupportedMediaType, ProblemCodes.UnsupportedMediaType, detail) { AuditTool = operation.Entry.Name });

    // Rack reads a POST with no content type as a form (form_data?; no other method), and Rack::MethodOverride a POST's _method: fields no rule saw.
    private static Result UntypedRefusal(ProviderOperation operation, string what) => UnsupportedMediaType(operation,
        $"A body with no content type that {what} is not decided on (a server such as Rack reads it as a form); send the arguments as JSON with Content-Type: application/json.");

    /// <summary>The media type without its parameters (Rack splits on <c>;</c> and <c>,</c>), trimmed; empty when none.</summary>
    private static ReadOnlySpan<char> MediaType(string? contentType)
    {
        var type = contentType.AsSpan();
        var end = type.IndexOfAny(';', ',');
        return (end < 0 ? type : type[..end]).Trim();
    }

    private static bool IsUntyped(string? contentType) => MediaType(contentType).IsEmpty;

    // What Spring's and ASP.NET Core's XML readers take: application/xml, text/xml and any structured +xml type.
    private static bool IsXml(string? contentType)
    {
        var type = MediaType(contentType);
        return type.Equals("application/xml", StringComparison.OrdinalIgnoreCase) || type.Equals("text/xml", StringComparison.OrdinalIgnoreCase)
            || type.EndsWith("+xml", StringComparison.OrdinalIgnoreCase);
    }

    private static bool IsForm(string? contentType) =>
        contentType is not null && (contentType.TrimStart().StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase)
            || contentType.TrimStart().StartsWith("multipart/", StringComparison.OrdinalIgnoreCase));

    private static bool IsJson(string? contentType) =>
        contentType is not null && (contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) || contentType.Contains("+json", StringComparison.OrdinalIgnoreCase));
}
