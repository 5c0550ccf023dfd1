using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Oversight;
using Gateway.Policy;
using Gateway.Proxy.Mcp;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Describe;

/// <summary>
/// Reads a governed call sent to <c>/mcp</c> into the action it is. A <c>tools/call</c> is the invoke-tool of the catalog
/// entry its name names (<see cref="McpToolNames"/>), <c>params.arguments</c> its arguments. A <c>prompts/get</c>
/// (<c>server__prompt</c>) or a <c>resources/read</c> (<c>gamut-mcp://server/…</c>, <see cref="McpResourceUris"/>) is an
/// action on the MCP server's entry, with the prompt or the server's own URI as its arguments and the request the server
/// receives (<see cref="McpServerCall"/>). A <c>resources/subscribe</c> of a server's resource is decided as its read; a
/// <c>completion/complete</c> as the read it completes: the <c>prompts/get</c> with the arguments so far (the one being
/// completed as typed), or the <c>resources/read</c> of the template as written. <c>params._meta["gamut.dev/warrant"]</c>
/// is an approval's warrant. Strict like
/// every governed body: one JSON-RPC 2.0 request (no batch, no notification; the body read once, strictly, by
/// <see cref="McpMessageReader"/>), an object of arguments.
/// </summary>
internal static class McpCallReader
{
    /// <summary>JSON-RPC's invalid params, which the MCP specification uses for an unknown tool, prompt or resource.</summary>
    public const int InvalidParams = -32602;

    /// <summary>The action, its JSON-RPC id (raw JSON) and the parsed body; or the refusal (with the id when one was read).</summary>
    public readonly record struct Result(ActionRequest? Request, Refusal? Refusal, string? Id, JsonElement Body)
    {
        /// <summary>For a prompt or a resource: the request the server receives.</summary>
        public McpServerCall? ServerCall { get; init; }
    }

    /// <summary>Reads the call from the message's one parse (<see cref="McpMessage.Body"/>).</summary>
    public static Result Read(TenantPolicy tenant, JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("id", out var idElement)
            || idElement.ValueKind is not (JsonValueKind.String or JsonValueKind.Number))
        {
            return Refuse(null, ProblemCodes.MalformedBody, "A governed call must be one JSON-RPC request with an id.");
        }

        var id = idElement.GetRawText();
        if (!root.TryGetProperty("params", out var parameters) || parameters.ValueKind != JsonValueKind.Object)
        {
            return Refuse(id, ProblemCodes.MalformedBody, "The request needs params.");
        }

        if (!TryWarrant(parameters, out var warrant))
        {
            return Refuse(id, ProblemCodes.MalformedBody, $"params._meta[\"{McpEndpoint.WarrantMetaKey}\"] must be a string.");
        }

        var names = McpToolNames.For(tenant);
        var method = root.TryGetProperty("method", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
        return method switch
        {
            "tools/call" => ReadToolCall(names, id, root, parameters, warrant),
            "prompts/get" => ReadPromptGet(names, id, root, parameters, warrant),
            "resources/read" => ReadResourceRead(names, id, root, parameters, warrant),
            "resources/subscribe" => ReadSubscribe(names, id, root, parameters, warrant),
            "completion/complete" => ReadCompletion(names, id, root, parameters, warrant),
            _ => Refuse(id, ProblemCodes.MalformedBody, "Only tools/call, prompts/get, resources/read, resources/subscribe and completion/complete are governed calls."),
        };
    }

    private static Result ReadToolCall(McpToolNames names, string id, JsonElement root, JsonElement parameters, string? warrant)
    {
        if (!parameters.TryGetProperty("name", out var nameElement) || nameElement.ValueKind != JsonValueKind.String)
        {
            return Refuse(id, ProblemCodes.MalformedBody, "tools/call needs params.name.");
        }

        var name = nameElement.GetString()!;
        if (!names.TryResolve(name, out var entry))
        {
            return Unknown(id, $"No tool '{RefusalText.Truncate(name)}' is served on /mcp to this agent; list the tools to see what it may use.");
        }

        if (!TryArguments(parameters, out var arguments))
        {
            return NotAnObject(id);
        }

        if (ToolInputCheck.Refuse(entry, arguments) is { } invalid)
        {
            // A tool execution error, as the MCP specification (2025-11-25, SEP-1303) says of input validation: the model
            // reads what is wrong and corrects its call. Nothing is decided or forwarded.
            return new Result(null, invalid with { AsToolError = true }, id, default);
        }

        return new Result(new ActionRequest { Tool = entry.Name, Args = arguments, Warrant = warrant }, null, id, root);
    }

    /// <summary>A server's prompt (<c>server__prompt</c>): an action on the server's entry, with the prompt and its arguments.</summary>
    private static Result ReadPromptGet(McpToolNames names, string id, JsonElement root, JsonElement parameters, string? warrant)
    {
        if (!parameters.TryGetProperty("name", out var nameElement) || nameElement.ValueKind != JsonValueKind.String
            || !names.TryResolveItem(nameElement.GetString()!, out var server, out var prompt))
        {
            return Unknown(id, "No such prompt is served on /mcp to this agent; list the prompts to see what it may use.");
        }

        if (!TryArguments(parameters, out var arguments))
        {
            return NotAnObject(id);
        }

        var args = PromptArgs(prompt, arguments);
        var call = new JsonObject { ["name"] = prompt, ["arguments"] = args["arguments"]!.DeepClone() };
        return ServerAction(server, "prompts/get", args, call, warrant, id, root);
    }

    /// <summary>
    /// A server's resource (<c>gamut-mcp://server/…</c>): an action on the server's entry, with the server's own URI. A
    /// context pack (<c>gamut-context://pack?query=…</c>): the context action of the pack, with its query and byte limit.
    /// </summary>
    private static Result ReadResourceRead(McpToolNames names, string id, JsonElement root, JsonElement parameters, string? warrant)
    {
        var requested = parameters.TryGetProperty("uri", out var u) && u.ValueKind == JsonValueKind.String ? u.GetString()! : string.Empty;
        if (McpResourceUris.TryParseContextPack(requested, out var packName, out var query, out var maxBytes))
        {
            if (!names.TryResolveContextPack(packName, out var pack))
            {
                return UnknownResource(id, requested, "No such context pack is served on /mcp to this agent; list the resources to see what it may read.");
            }

            var args = new JsonObject { ["query"] = query ?? string.Empty };
            if (maxBytes is { } limit)
            {
                args["max_bytes"] = limit;
            }

            return new Result(new ActionRequest { Tool = pack.Name, Args = JsonSerializer.SerializeToElement(args, McpCallJsonContext.Default.JsonObject), Warrant = warrant }, null, id, root);
        }

        if (!McpResourceUris.TryParse(requested, out var serverName, out var uri) || !names.TryResolveServer(serverName, out var server))
        {
            return UnknownResource(id, requested, "No such resource is served on /mcp to this agent; list the resources to see what it may read.");
        }

        return ServerAction(server, "resources/read", ResourceArgs(uri), ResourceArgs(uri), warrant, id, root);
    }

    /// <summary>
    /// A server's resource (<c>gamut-mcp://server/…</c>) to follow: decided as its read, the server asked to subscribe on the
    /// gateway's session with it. Not a context pack (it has no updates), nor a server that acts for a person (its updates
    /// would come on that person's own session, which nothing listens on). A URI longer than
    /// <see cref="McpResourceSubscriptions.MaxUriBytes"/> is invalid params (<c>malformed_body</c>): a subscription is kept.
    /// </summary>
    private static Result ReadSubscribe(McpToolNames names, string id, JsonElement root, JsonElement parameters, string? warrant)
    {
        var requested = parameters.TryGetProperty("uri", out var u) && u.ValueKind == JsonValueKind.String ? u.GetString()! : string.Empty;
        if (System.Text.Encoding.UTF8.GetByteCount(requested) > McpResourceSubscriptions.MaxUriBytes)
        {
            return new Result(null, new Refusal(StatusCodes.Status400BadRequest, ProblemCodes.MalformedBody,
                $"params.uri is longer than {McpResourceSubscriptions.MaxUriBytes} bytes; no resource with so long a URI can be subscribed to.")
                {
                    JsonRpcCode = InvalidParams,
                }, id, default);
        }

        if (!McpResourceUris.TryParse(requested, out var serverName, out var uri) || !names.TryResolveServer(serverName, out var server))
        {
            return UnknownResource(id, requested, "No such resource of an MCP server is served on /mcp to this agent; list the resources to see what it may subscribe to.");
        }

        if (server.Person is not null)
        {
            return new Result(null, new Refusal(StatusCodes.Status403Forbidden, ProblemCodes.OperationNotMapped,
                $"resources/subscribe is not offered for '{server.Name}', which acts for a person; read the resource instead.")
                {
                    AuditTool = server.Name,
                    JsonRpcCode = InvalidParams,
                }, id, default);
        }

        return ServerAction(server, "resources/subscribe", ResourceArgs(uri), ResourceArgs(uri), warrant, id, root);
    }

    /// <summary>
    /// The values a server's prompt argument (<c>ref/prompt</c>, <c>server__prompt</c>) or resource template argument
    /// (<c>ref/resource</c>, <c>gamut-mcp://server/…</c>) may take: decided as the read it completes, asked of the server
    /// under its own names.
    /// </summary>
    private static Result ReadCompletion(McpToolNames names, string id, JsonElement root, JsonElement parameters, string? warrant)
    {
        if (!parameters.TryGetProperty("ref", out var reference) || reference.ValueKind != JsonValueKind.Object
            || !reference.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String
            || !parameters.TryGetProperty("argument", out var argument) || argument.ValueKind != JsonValueKind.Object
            || !argument.TryGetProperty("name", out var argumentName) || argumentName.ValueKind != JsonValueKind.String
            || !argument.TryGetProperty("value", out var argumentValue) || argumentValue.ValueKind != JsonValueKind.String
            || !TryCompletionContext(parameters, out var context))
        {
            return Refuse(id, ProblemCodes.MalformedBody, "completion/complete needs params.ref (with its type), params.argument (a string name and value) and, if any, params.context.arguments (an object of strings).");
        }

        var call = new JsonObject { ["argument"] = JsonNode.Parse(argument.GetRawText()) };
        if (context is not null)
        {
            call["context"] = new JsonObject { ["arguments"] = context.DeepClone() };
        }

        var named = reference.TryGetProperty(type.ValueEquals("ref/prompt") ? "name" : "uri", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : string.Empty;
        if (type.ValueEquals("ref/prompt"))
        {
            if (!names.TryResolveItem(named, out var server, out var prompt))
            {
                return Unknown(id, "No such prompt is served on /mcp to this agent; list the prompts to see what it may complete.");
            }

            var arguments = context?.DeepClone().AsObject() ?? new JsonObject();
            arguments[argumentName.GetString()!] = argumentValue.GetString();
            call["ref"] = new JsonObject { ["type"] = "ref/prompt", ["name"] = prompt };
            return ServerAction(server, "completion/complete", new JsonObject { ["prompt"] = prompt, ["arguments"] = arguments }, call, warrant, id, root);
        }

        if (type.ValueEquals("ref/resource") && McpResourceUris.TryParse(named, out var serverName, out var template) && names.TryResolveServer(serverName, out var templated))
        {
            call["ref"] = new JsonObject { ["type"] = "ref/resource", ["uri"] = template };
            return ServerAction(templated, "completion/complete", ResourceArgs(template), call, warrant, id, root);
        }

        return UnknownResource(id, named, "No such resource template of an MCP server is served on /mcp to this agent; list the resource templates to see what it may complete.");
    }

    /// <summary><c>params.context.arguments</c> of a completion (an object of strings), null when it has none; false when it is something else.</summary>
    private static bool TryCompletionContext(JsonElement parameters, out JsonObject? arguments)
    {
        arguments = null;
        if (!parameters.TryGetProperty("context", out var context) || context.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (context.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        if (!context.TryGetProperty("arguments", out var given) || given.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (given.ValueKind != JsonValueKind.Object || given.EnumerateObject().Any(static a => a.Value.ValueKind != JsonValueKind.String))
        {
            return false;
        }

        arguments = JsonNode.Parse(given.GetRawText())!.AsObject();
        return true;
    }

    /// <summary>
    /// A <c>prompts/get</c> or <c>resources/read</c> sent in the server's own names to its per-server route
    /// (<c>/providers/&lt;server&gt;</c>): false when its params are not what the method takes; else the arguments <c>/mcp</c>
    /// decides the same read with, so that a rule on <c>$.prompt</c> or <c>$.uri</c> meets it on either route.
    /// </summary>
    public static bool TryServerReadArgs(string method, JsonElement root, out JsonElement args)
    {
        args = default;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("params", out var parameters) || parameters.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        var read = method switch
        {
            "prompts/get" => parameters.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String && TryArguments(parameters, out var arguments)
                ? PromptArgs(name.GetString()!, arguments)
                : null,
            "resources/read" => parameters.TryGetProperty("uri", out var uri) && uri.ValueKind == JsonValueKind.String ? ResourceArgs(uri.GetString()!) : null,
            _ => null,
        };
        if (read is null)
        {
            return false;
        }

        args = JsonSerializer.SerializeToElement(read, McpCallJsonContext.Default.JsonObject);
        return true;
    }

    /// <summary>What a <c>prompts/get</c> is decided with: the prompt and its arguments (an empty object when it has none).</summary>
    private static JsonObject PromptArgs(string prompt, JsonElement arguments) =>
        new() { ["prompt"] = prompt, ["arguments"] = arguments.ValueKind == JsonValueKind.Object ? JsonNode.Parse(arguments.GetRawText()) : new JsonObject() };

    /// <summary>What a <c>resources/read</c> of a server's own URI is decided with.</summary>
    private static JsonObject ResourceArgs(string uri) => new() { ["uri"] = uri };

    private static Result ServerAction(CatalogEntry server, string method, JsonObject args, JsonObject call, string? warrant, string id, JsonElement root) =>
        new(new ActionRequest { Tool = server.Name, Args = JsonSerializer.SerializeToElement(args, McpCallJsonContext.Default.JsonObject), Warrant = warrant }, null, id, root)
        {
            ServerCall = new McpServerCall(method, JsonSerializer.SerializeToElement(call, McpCallJsonContext.Default.JsonObject)),
        };

    private static bool TryArguments(JsonElement parameters, out JsonElement arguments)
    {
        arguments = default;
        if (parameters.TryGetProperty("arguments", out var args) && args.ValueKind != JsonValueKind.Null)
        {
            if (args.ValueKind != JsonValueKind.Object)
            {
                return false;
            }

            arguments = args;
        }

        return true;
    }

    private static bool TryWarrant(JsonElement parameters, out string? warrant)
    {
        warrant = null;
        if (parameters.TryGetProperty("_meta", out var meta) && meta.ValueKind == JsonValueKind.Object
            && meta.TryGetProperty(McpEndpoint.WarrantMetaKey, out var warrantElement))
        {
            if (warrantElement.ValueKind != JsonValueKind.String)
            {
                return false;
            }

            warrant = warrantElement.GetString();
        }

        return true;
    }

    private static Result NotAnObject(string id) => Refuse(id, ProblemCodes.MalformedBody, "params.arguments must be an object.");

    /// <summary>
    /// A name or URI no tool, prompt or resource served to the agent has: the MCP specification's protocol error for an
    /// unknown primitive, -32602 (invalid params), with the stable code <c>unknown_tool</c> in <c>data.code</c>.
    /// </summary>
    private static Result Unknown(string id, string detail) =>
        new(null, new Refusal(StatusCodes.Status400BadRequest, ProblemCodes.UnknownTool, detail) { JsonRpcCode = InvalidParams }, id, default);

    /// <summary>An unknown resource: <see cref="Unknown"/>, with the URI asked for in <c>data.uri</c> (SEP-2164).</summary>
    private static Result UnknownResource(string id, string uri, string detail) =>
        new(null, new Refusal(StatusCodes.Status400BadRequest, ProblemCodes.UnknownTool, detail) { JsonRpcCode = InvalidParams, Members = writer => writer.WriteString("uri"u8, uri) }, id, default);

    private static Result Refuse(string? id, string code, string detail) =>
        new(null, new Refusal(StatusCodes.Status400BadRequest, code, detail), id, default);
}
