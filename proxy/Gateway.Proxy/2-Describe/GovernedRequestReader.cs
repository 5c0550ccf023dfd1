using System.Text.Json;
using Gateway.Connectors.Detection;
using Gateway.Oversight;
using Gateway.Oversight.Approvals;
using Gateway.Policy.Serialization;
using Gateway.Policy;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Describe;

/// <summary>
/// Turns the body of each governed route into an <see cref="ActionRequest"/>: strict JSON (unknown
/// members refused, duplicate member names refused so that no two parsers can read two different
/// requests from one body), <c>application/json</c> only.
/// </summary>
internal static partial class GovernedRequestReader
{
    /// <summary>The longest name a written item may have.</summary>
    public const int MaxItemNameLength = 256;

    /// <summary>The longest <c>tool</c> an action may name (a catalog name is shorter).</summary>
    public const int MaxToolLength = 256;

    // C0, DEL and C1: a tool name is written into plain-text log lines, where a CR or an escape sequence forges others.
    private static readonly System.Buffers.SearchValues<char> ControlCharacters = System.Buffers.SearchValues.Create(
        Enumerable.Range(0, 0x20).Concat(Enumerable.Range(0x7F, 0x21)).Select(static c => (char)c).ToArray());


    /// <summary>The result: a request and the body it was read from (parsed once, here), or the refusal.</summary>
    public readonly record struct Result(ActionRequest? Request, Refusal? Refusal)
    {
        /// <summary>The whole body as parsed; later stages read it instead of parsing again.</summary>
        public JsonElement Body { get; init; }

        public static Result Ok(ActionRequest request) => new(request, null);

        public static Result Refuse(int status, string code, string detail) => new(null, new Refusal(status, code, detail));
    }

    /// <summary><c>/v1/evaluate</c> and <c>/v1/actions/invoke-tool</c>: the agent protocol's action body.</summary>
    public static Result ReadAction(HttpRequest http, ReadOnlyMemory<byte> body)
    {
        if (Precheck(http, body, out var root, out var refusal) is false)
        {
            return refusal;
        }

        if (ReadPlainAction(root) is { } plain)
        {
            return CheckArgs(plain, body.Span) with { Body = root };
        }

        try
        {
            var request = root.Deserialize(PolicyJsonContext.Default.ActionRequest);
            return (request is null || string.IsNullOrEmpty(request.Tool)
                ? Required(body.Span, root, "tool", "a non-empty string, the catalog name of the action")
                : CheckArgs(request, body.Span)) with { Body = root };
        }
        catch (JsonException ex)
        {
            return Malformed(ex);
        }
    }

    /// <summary>
    /// The usual action body, read from the parse itself (no second parse, and the arguments are the parse's own
    /// element): a non-empty string <c>tool</c>, an object <c>args</c>, a string <c>warrant</c> and a boolean
    /// <c>simulate</c>, each optional but the tool. Null for any other member or shape (or text that is not valid UTF-8),
    /// which the serializer then reads (and refuses) as before; member names are unique, the strict parse refused duplicates.
    /// </summary>
    private static ActionRequest? ReadPlainAction(JsonElement root)
    {
        string? tool = null;
        string? warrant = null;
        JsonElement args = default;
        var simulate = false;
        foreach (var member in root.EnumerateObject())
        {
            var value = member.Value;
            if (member.NameEquals("tool"u8) && value.ValueKind == JsonValueKind.String)
            {
                if ((tool = TextOf(value)) is null)
                {
                    return null;
                }
            }
            else if (member.NameEquals("args"u8) && value.ValueKind == JsonValueKind.Object)
            {
                args = value;
            }
            else if (member.NameEquals("warrant"u8) && value.ValueKind == JsonValueKind.String)
            {
                if ((warrant = TextOf(value)) is null)
                {
                    return null;
                }
            }
            else if (member.NameEquals("simulate"u8) && value.ValueKind is JsonValueKind.True or JsonValueKind.False)
            {
                simulate = value.ValueKind == JsonValueKind.True;
            }
            else
            {
                return null;
            }
        }

        return string.IsNullOrEmpty(tool) ? null : new ActionRequest { Tool = tool, Args = args, Warrant = warrant, Simulate = simulate };
    }

    // A string's text; null when it is not valid UTF-8 (or escapes a lone surrogate), which the serializer refuses.
    private static string? TextOf(JsonElement value)
    {
        try
        {
            return value.GetString();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary><c>/v1/actions/model</c>: <c>{"connector": "...", "request": {...}, "warrant"?: "...", "simulate"?: bool}</c>.</summary>
    public static Result ReadModel(HttpRequest http, ReadOnlyMemory<byte> body)
    {
        if (Precheck(http, body, out var parsed, out var refusal) is false)
        {
            return refusal;
        }

        return ReadEnvelope(body, parsed, "connector", ["request", "warrant", "simulate"], root =>
        {
            if (!root.TryGetProperty("connector", out var connector) || connector.ValueKind != JsonValueKind.String || connector.GetString() is not { Length: > 0 } name)
            {
                return Required(body.Span, root, "connector", "a non-empty string, the model connector");
            }

            if (!root.TryGetProperty("request", out var providerRequest) || providerRequest.ValueKind != JsonValueKind.Object)
            {
                return Required(body.Span, root, "request", "the provider-native request object");
            }

            return ReadOptions(body.Span, root, out var warrant, out var simulate) ?? Result.Ok(new ActionRequest
            {
                Tool = name,
                Args = providerRequest,
                Warrant = warrant,
                Simulate = simulate,
            });
        });
    }

    /// <summary>
    /// <c>/v1/actions/context</c>: <c>{"scope": "...", "query": "...", "max_bytes": N, "data_classes"?: [...], "warrant"?, "simulate"?}</c>; the classes
    /// widen the read (so that a workspace store's items of those classes are decided with it, approval included).
    /// </summary>
    public static Result ReadContext(HttpRequest http, ReadOnlyMemory<byte> body)
    {
        if (Precheck(http, body, out var parsed, out var refusal) is false)
        {
            return refusal;
        }

        return ReadEnvelope(body, parsed, "scope", ["query", "max_bytes", "data_classes", "warrant", "simulate"], root =>
        {
            if (!root.TryGetProperty("scope", out var scope) || scope.ValueKind != JsonValueKind.String || scope.GetString() is not { Length: > 0 } name)
            {
                return Required(body.Span, root, "scope", "a non-empty string, the context connector");
            }

            if (root.TryGetProperty("query", out var query) && query.ValueKind != JsonValueKind.String)
            {
                return Refuse(body.Span, "the member 'query' must be a string.", "query");
            }

            if (root.TryGetProperty("max_bytes", out var max) && (max.ValueKind != JsonValueKind.Number || !max.TryGetInt32(out var maxBytes) || maxBytes < 1))
            {
                return Refuse(body.Span, "the member 'max_bytes' must be a positive integer.", "max_bytes");
            }

            var buffer = new System.Buffers.ArrayBufferWriter<byte>();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                if (root.TryGetProperty("query", out var q))
                {
                    writer.WritePropertyName("query"u8);
                    q.WriteTo(writer);
                }

                if (root.TryGetProperty("max_bytes", out var m))
                {
                    writer.WritePropertyName("max_bytes"u8);
                    m.WriteTo(writer);
                }

                writer.WriteEndObject();
            }

            if (!TryReadDataClasses(root, out var dataClasses))
            {
                return Refuse(body.Span, "the member 'data_classes' must be a list of data classes (public, internal, confidential, pii, restricted, top_secret).", "data_classes");
            }

            if (ReadOptions(body.Span, root, out var warrant, out var simulate) is { } wrongType)
            {
                return wrongType;
            }

            using var args = JsonDocument.Parse(buffer.WrittenMemory);
            return Result.Ok(new ActionRequest
            {
                Tool = name,
                Args = args.RootElement.Clone(),
                DataClasses = dataClasses,
                Warrant = warrant,
                Simulate = simulate,
            });
        });
    }

    /// <summary>
    /// <c>/v1/actions/writeback</c>: <c>{"scope": "&lt;context connector&gt;", "name": "...", "content": &lt;string or any JSON&gt;,
    /// "data_classes"?, "provenance"?, "warrant"?, "simulate"?}</c>, a <c>write</c> on the scope's entry whose arguments are
    /// <c>{"name", "content"}</c> and whose classes are those declared widened by those the content shows
    /// (<see cref="DataClassDetector"/>).
    /// </summary>
    public static Result ReadWriteback(HttpRequest http, ReadOnlyMemory<byte> body)
    {
        if (Precheck(http, body, out var parsed, out var refusal) is false)
        {
            return refusal;
        }

        return ReadEnvelope(body, parsed, "scope", ["name", "content", "data_classes", "provenance", "warrant", "simulate"], root =>
        {
            if (!root.TryGetProperty("scope", out var scope) || scope.ValueKind != JsonValueKind.String || scope.GetString() is not { Length: > 0 } connector)
            {
                return Required(body.Span, root, "scope", "a non-empty string, the context connector written to");
            }

            if (!root.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String || name.GetString() is not { } itemName || !IsItemName(itemName))
            {
                return Required(body.Span, root, "name", $"the item's name, 1 to {MaxItemNameLength} characters, no control or invisible characters (bidirectional controls, zero-width characters)");
            }

            if (!root.TryGetProperty("content", out var content) || content.ValueKind == JsonValueKind.Null)
            {
                return Required(body.Span, root, "content", "a string or any JSON value but null");
            }

            // The action's own members are read as every action's are (strictly, unknown classes refused).
            var buffer = new System.Buffers.ArrayBufferWriter<byte>();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                writer.WriteString("tool"u8, connector);
                writer.WriteStartObject("args"u8);
                writer.WriteString("name"u8, itemName);
                writer.WritePropertyName("content"u8);
                content.WriteTo(writer);
                writer.WriteEndObject();
                foreach (var member in root.EnumerateObject())
                {
                    if (member.NameEquals("data_classes"u8) || member.NameEquals("provenance"u8) || member.NameEquals("warrant"u8) || member.NameEquals("simulate"u8))
                    {
                        member.WriteTo(writer);
                    }
                }

                writer.WriteEndObject();
            }

            ActionRequest? request;
            try
            {
                request = JsonSerializer.Deserialize(buffer.WrittenSpan, PolicyJsonContext.Default.ActionRequest);
            }
            catch (JsonException ex)
            {
                // Its members are the body's own, at the same paths: said where they are in the body.
                return Result.Refuse(StatusCodes.Status400BadRequest, ProblemCodes.MalformedBody, JsonBodyLocation.Relocated(body.Span, ex));
            }

            // The name is stored and read back beside the content: what it shows labels the item as the content's does.
            var classes = DataClassSets.ToSet(request!.DataClasses) | DataClassDetector.Detect(content) | DataClassDetector.Detect(name);
            return Result.Ok((request with { DataClasses = classes == DataClassSet.None ? null : DataClassSets.ToList(classes) }).WithActionType(ActionType.Write));
        });
    }

    /// <summary>The optional <c>data_classes</c> member: absent (null), or a list of class names.</summary>
    private static bool TryReadDataClasses(JsonElement root, out IReadOnlyList<DataClass>? classes)
    {
        classes = null;
        if (!root.TryGetProperty("data_classes", out var member))
        {
            return true;
        }

        if (member.ValueKind != JsonValueKind.Array)
        {
            return false;
        }

        var list = new List<DataClass>(member.GetArrayLength());
        foreach (var item in member.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String || !WireNames.TryParse<DataClass>(item.GetString(), out var dataClass))
            {
                return false;
            }

            list.Add(dataClass);
        }

        classes = list;
        return true;
    }

    /// <summary>
    /// An item's name: 1 to <see cref="MaxItemNameLength"/> characters, none of them a control character or one a person
    /// cannot see (<see cref="InvisibleCharacters"/>: a bidirectional override or isolate, a zero-width space or joiner, a
    /// byte order mark), by which one item would read as another's name in the workspace, the console or the audit record.
    /// </summary>
    private static bool IsItemName(string name) =>
        name.Length is > 0 and <= MaxItemNameLength && !name.Any(char.IsControl) && !InvisibleCharacters.Any(name);

    /// <summary>The content type and the one strict parse of the body: its root (kept), or the refusal.</summary>
    private static bool Precheck(HttpRequest http, ReadOnlyMemory<byte> body, out JsonElement root, out Result refusal)
    {
        root = default;
        refusal = default;
        if (!IsJson(http.ContentType))
        {
            refusal = Result.Refuse(StatusCodes.Status415UnsupportedMediaType, ProblemCodes.UnsupportedMediaType, "Send the body as application/json.");
            return false;
        }

        if (body.IsEmpty)
        {
            refusal = Result.Refuse(StatusCodes.Status400BadRequest, ProblemCodes.MalformedBody, "The request has no body.");
            return false;
        }

        try
        {
            // One strict parse, into a document of its own (nothing pooled to return, nothing to clone): broken JSON or
            // text (JsonText), excessive depth and duplicate member names are refused here.
            var parsed = JsonText.ParseStrict(body.Span);
            if (parsed.ValueKind != JsonValueKind.Object)
            {
                refusal = Refuse(body.Span, "the body must be a JSON object.");
                return false;
            }

            root = parsed;
        }
        catch (JsonException ex)
        {
            refusal = Malformed(ex, body.Span);
            return false;
        }

        return true;
    }

    private static Result CheckArgs(ActionRequest request, ReadOnlySpan<byte> body) =>
        CheckName(request, "tool", body) is { Refusal: not null } refused
            ? refused
            : request.Args.ValueKind is JsonValueKind.Undefined or JsonValueKind.Object
            ? Result.Ok(request)
            : WrongType(body, "args", "a JSON object");

    // The catalog name an action is decided and recorded under (a tool, a model connector, a context scope): no longer
    // than any catalog name and free of control characters, so that nothing written where it is recorded can forge a line.
    private static Result CheckName(ActionRequest request, string member, ReadOnlySpan<byte> body) =>
        request.Tool.Length > MaxToolLength
            ? Refuse(body, $"the member '{member}' is longer than {MaxToolLength} characters: no catalog name is.", member)
            : request.Tool.AsSpan().ContainsAny(ControlCharacters)
            ? Refuse(body, $"the member '{member}' holds a control character: no catalog name does.", member)
            : Result.Ok(request);

    private static Result Malformed(JsonException ex, ReadOnlySpan<byte> body = default) =>
        Result.Refuse(StatusCodes.Status400BadRequest, ProblemCodes.MalformedBody, JsonErrorText.Describe(ex, body));

    private static bool IsJson(string? contentType) =>
        contentType is not null
        && (contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase)
            || (contentType.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && contentType.Contains("+json", StringComparison.OrdinalIgnoreCase)));
}
