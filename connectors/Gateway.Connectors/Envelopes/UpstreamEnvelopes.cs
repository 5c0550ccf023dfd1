using System.Globalization;
using System.Text.Json;
using Gateway.Connectors.Models;
using Gateway.Policy;

namespace Gateway.Connectors.Envelopes;

/// <summary>
/// The request envelope of each connector kind, built from a governed action's arguments:
/// <list type="bullet">
/// <item><c>http</c>: the binding's method and path template (placeholders filled, URL-encoded), the
/// other arguments as a JSON body or as query parameters (always query for GET/HEAD);</item>
/// <item><c>webhook</c>: the arguments POSTed as JSON, signed by the gateway;</item>
/// <item><c>openai</c>/<c>anthropic</c>: the provider-native request POSTed to <c>chat/completions</c> or
/// <c>messages</c>, rewritten under route degrade, a streamed OpenAI call asked to report usage;</item>
/// <item><c>mcp_tool</c>: a JSON-RPC <c>tools/call</c> POSTed to the MCP server;</item>
/// <item><c>context</c>: <c>GET ?scope=&amp;query=</c>.</item>
/// </list>
/// read_only refuses a call that would write (<see cref="DegradeRefusedException"/>); dry_run adds
/// <c>dry_run=true</c> to http and webhook calls. Bad arguments raise <see cref="ConnectorArgumentException"/>.
/// </summary>
public static class UpstreamEnvelopes
{
    /// <summary>The Anthropic API version sent.</summary>
    public const string AnthropicVersion = "2023-06-01";

    /// <summary>The MCP protocol version the gateway speaks.</summary>
    public const string McpProtocolVersion = "2025-06-18";

    private static long _nextJsonRpcId;

    /// <summary>The envelope of <paramref name="entry"/> for <paramref name="args"/> under the decision's degrade form (null: none).</summary>
    public static UpstreamEnvelope Build(CatalogEntry entry, JsonElement args, DegradeSpec? degrade)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var mode = degrade?.Mode;
        return entry.Kind switch
        {
            ConnectorKind.Http => Http(entry, args, mode),
            ConnectorKind.Webhook => Webhook(entry, args, mode),
            ConnectorKind.OpenAI or ConnectorKind.Anthropic => Model(entry, args, degrade),
            ConnectorKind.McpTool => McpToolCall(entry, args, mode),
            ConnectorKind.Context => Context(args),
            _ => throw new ConnectorArgumentException($"connector '{entry.Name}' of kind {entry.Kind} is reached through the transparent route, not a governed action."),
        };
    }

    private static UpstreamEnvelope Http(CatalogEntry entry, JsonElement args, DegradeMode? mode)
    {
        var binding = entry.Http ?? new HttpBinding();
        var method = binding.Method.ToUpperInvariant();
        if (mode == DegradeMode.ReadOnly && ReadOnlyGuard.IsWriteVerb(method))
        {
            throw new DegradeRefusedException($"connector '{entry.Name}' is degraded to read_only; this call would write.");
        }

        (string Path, IReadOnlySet<string> Used) filled;
        try
        {
            filled = PathTemplate.Fill(binding.Path, args);
        }
        catch (ArgumentException ex)
        {
            throw new ConnectorArgumentException(ex.Message, ex);
        }

        var remaining = args.ValueKind == JsonValueKind.Object
            ? args.EnumerateObject().Where(p => !filled.Used.Contains(p.Name)).ToList()
            : [];
        var useQuery = binding.Args == ArgumentLocation.Query || method is "GET" or "HEAD";
        var query = new List<string>();
        if (useQuery)
        {
            foreach (var property in remaining)
            {
                AppendQuery(query, property.Name, property.Value);
            }
        }

        if (mode == DegradeMode.DryRun)
        {
            query.Add("dry_run=true");
        }

        return new UpstreamEnvelope
        {
            Method = method,
            RelativePath = filled.Path.TrimStart('/'),
            Query = string.Join('&', query),
            Body = !useQuery && remaining.Count > 0 ? JsonObjectOf(remaining) : null,
        };
    }

    private static UpstreamEnvelope Webhook(CatalogEntry entry, JsonElement args, DegradeMode? mode)
    {
        if (mode == DegradeMode.ReadOnly && entry.ActionType is not (ActionType.Read or ActionType.Context))
        {
            throw new DegradeRefusedException($"connector '{entry.Name}' is degraded to read_only; this call would write.");
        }

        return new UpstreamEnvelope
        {
            Method = "POST",
            Query = mode == DegradeMode.DryRun ? "dry_run=true" : string.Empty,
            Body = JsonSerializer.SerializeToUtf8Bytes(args.ValueKind == JsonValueKind.Undefined ? EmptyObject : args, ConnectorsJsonContext.Default.JsonElement),
            SignedByGateway = true,
        };
    }

    private static UpstreamEnvelope Model(CatalogEntry entry, JsonElement args, DegradeSpec? degrade)
    {
        if (args.ValueKind != JsonValueKind.Object)
        {
            throw new ConnectorArgumentException("a model request must be a JSON object.");
        }

        var anthropic = entry.Kind == ConnectorKind.Anthropic;
        var api = anthropic ? ModelApi.AnthropicMessages : ModelApi.OpenAIChatCompletions;
        var body = JsonSerializer.SerializeToUtf8Bytes(args, ConnectorsJsonContext.Default.JsonElement);
        if (degrade?.Mode == DegradeMode.Route)
        {
            body = ModelRequestRewriter.Route(body, degrade.Route?.Model ?? entry.Degrade?.Route?.Model, degrade.Route?.MaxTokens ?? entry.Degrade?.Route?.MaxTokens, api);
        }

        var streaming = ModelRequestRewriter.IsStreaming(args);
        if (streaming && !anthropic)
        {
            body = ModelRequestRewriter.EnsureStreamUsage(body);
        }

        var headers = new List<KeyValuePair<string, string>>(2);
        if (anthropic)
        {
            headers.Add(new("anthropic-version", AnthropicVersion));
        }

        headers.Add(new("Accept", streaming ? "text/event-stream" : "application/json"));
        return new UpstreamEnvelope
        {
            Method = "POST",
            RelativePath = anthropic ? "messages" : "chat/completions",
            Body = body,
            Headers = headers,
        };
    }

    private static UpstreamEnvelope McpToolCall(CatalogEntry entry, JsonElement args, DegradeMode? mode)
    {
        if (mode == DegradeMode.ReadOnly && entry.ActionType is not (ActionType.Read or ActionType.Context))
        {
            throw new DegradeRefusedException($"connector '{entry.Name}' is degraded to read_only; this call would write.");
        }

        var toolName = entry.McpTool ?? throw new ConnectorArgumentException($"connector '{entry.Name}' names no MCP tool.");
        var id = Interlocked.Increment(ref _nextJsonRpcId).ToString(CultureInfo.InvariantCulture);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("jsonrpc"u8, "2.0");
            writer.WritePropertyName("id"u8);
            writer.WriteRawValue(id, skipInputValidation: true);
            writer.WriteString("method"u8, "tools/call");
            writer.WriteStartObject("params"u8);
            writer.WriteString("name"u8, toolName);
            writer.WritePropertyName("arguments"u8);
            (args.ValueKind == JsonValueKind.Object ? args : EmptyObject).WriteTo(writer);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return new UpstreamEnvelope
        {
            Method = "POST",
            Body = buffer.ToArray(),
            Headers = [new("Accept", "application/json, text/event-stream"), new("MCP-Protocol-Version", McpProtocolVersion)],
            JsonRpcId = id,
        };
    }

    private static UpstreamEnvelope Context(JsonElement args)
    {
        if (args.ValueKind != JsonValueKind.Object)
        {
            throw new ConnectorArgumentException("a context request is a JSON object {\"scope\", \"query\", \"max_bytes\"}.");
        }

        var scope = args.TryGetProperty("scope", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString()! : string.Empty;
        var query = args.TryGetProperty("query", out var q) && q.ValueKind == JsonValueKind.String ? q.GetString()! : string.Empty;
        long? limit = null;
        if (args.TryGetProperty("max_bytes", out var m) && m.ValueKind != JsonValueKind.Null)
        {
            if (m.ValueKind != JsonValueKind.Number || !m.TryGetInt64(out var requested) || requested <= 0)
            {
                throw new ConnectorArgumentException("max_bytes must be a positive integer.");
            }

            limit = requested;
        }

        return new UpstreamEnvelope
        {
            Method = "GET",
            Query = string.Create(CultureInfo.InvariantCulture, $"scope={Uri.EscapeDataString(scope)}&query={Uri.EscapeDataString(query)}"),
            ResultLimit = limit,
        };
    }

    private static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement.Clone();

    private static void AppendQuery(List<string> query, string name, JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Array:
                foreach (var item in value.EnumerateArray())
                {
                    AppendQuery(query, name, item);
                }

                break;
            case JsonValueKind.Null or JsonValueKind.Undefined:
                break;
            default:
                var text = value.ValueKind switch
                {
                    JsonValueKind.String => value.GetString()!,
                    JsonValueKind.True => "true",
                    JsonValueKind.False => "false",
                    _ => value.GetRawText(),
                };
                query.Add(string.Create(CultureInfo.InvariantCulture, $"{Uri.EscapeDataString(name)}={Uri.EscapeDataString(text)}"));
                break;
        }
    }

    private static byte[] JsonObjectOf(List<JsonProperty> properties)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            foreach (var property in properties)
            {
                property.WriteTo(writer);
            }

            writer.WriteEndObject();
        }

        return stream.ToArray();
    }
}
