using System.Text;
using System.Text.Json;
using Gateway.Connectors.Mcp;
using Gateway.Oversight;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Mcp;

/// <summary>
/// The request headers the MCP 2026-07-28 Streamable HTTP transport mirrors from the JSON-RPC body so that intermediaries
/// may route without reading it (SEP-2243): <c>Mcp-Method</c> (the method) and <c>Mcp-Name</c> (<c>params.name</c> of a
/// <c>tools/call</c> or <c>prompts/get</c>, <c>params.uri</c> of a <c>resources/read</c>, <c>params.taskId</c> of the tasks
/// extension's <c>tasks/get</c>, <c>tasks/update</c> and <c>tasks/cancel</c>, SEP-2663; a value that is not plain ASCII
/// arrives as <c>=?base64?…?=</c>; whitespace around a value is not part of it, RFC 9110 §5.5). The gateway decides on
/// the body and forwards these headers to the server; one that disagrees with the body is refused before anything is
/// forwarded (HTTP 400, JSON-RPC <c>-32020</c>, the code the specification names for a header mismatch), so that a server
/// or a router behind the gateway can never be shown an action other than the one decided. An <c>Mcp-Name</c> that is
/// absent is refused the same way when the request speaks 2026-07-28 or later (its <c>MCP-Protocol-Version</c> header),
/// where the header is required; older revisions send none. One rule for <c>/mcp</c> and the per-server route. The
/// per-server route decides the <c>Mcp-Param-*</c> headers of a tool's arguments too (<see cref="McpParamHeaders"/>); on
/// <c>/mcp</c> the agent's never go upstream.
/// </summary>
internal static class McpMirroredHeaders
{
    public const string MethodHeader = "Mcp-Method";
    public const string NameHeader = "Mcp-Name";

    /// <summary>The JSON-RPC code the MCP specification assigns to a header that does not match the body.</summary>
    public const int HeaderMismatchCode = -32020;

    private const string Base64Prefix = "=?base64?";
    private const string Base64Suffix = "?=";

    /// <summary>A refusal when a mirrored header disagrees with <paramref name="request"/> (one message, or a batch: <see cref="CheckBatch"/>); null when none does.</summary>
    public static Refusal? Check(IHeaderDictionary headers, McpRequest request, ReadOnlySpan<byte> body, string auditTool)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.IsBatch ? CheckBatch(headers, auditTool) : Check(headers, request.Messages[0], body, auditTool);
    }

    /// <summary>A refusal when a mirrored header disagrees with <paramref name="message"/> (its body <paramref name="body"/>); null when none does.</summary>
    public static Refusal? Check(IHeaderDictionary headers, JsonRpcMessageInfo message, ReadOnlySpan<byte> body, string auditTool)
    {
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentNullException.ThrowIfNull(message);
        var method = headers[MethodHeader];
        if (method.Count > 1 || (method.Count == 1 && !string.Equals(Trim(method[0]), message.Method, StringComparison.Ordinal)))
        {
            return Mismatch($"The {MethodHeader} header does not name the body's method ('{message.Method}').", auditTool);
        }

        var name = headers[NameHeader];
        if (name.Count == 0)
        {
            return RequiresName(headers) && NamedTarget(message.Method, body) is not null
                ? Mismatch($"A {message.Method} at protocol version {McpProtocolVersions.PerRequest} or later needs the {NameHeader} header (params.name, or params.uri of resources/read).", auditTool)
                : null;
        }

        return name.Count == 1 && Decode(Trim(name[0])) is { } presented && string.Equals(presented, NamedTarget(message.Method, body), StringComparison.Ordinal)
            ? null
            : Mismatch($"The {NameHeader} header does not name the body's target (params.name, or params.uri of resources/read).", auditTool);
    }

    /// <summary>
    /// A refusal for a JSON-RPC batch (which older revisions allow on the per-server route) sent with a mirrored header, or
    /// at a revision that requires them: a batch has no one method or target for a header to mirror, so a router reading
    /// the headers would be shown another action than the ones decided. Null when neither.
    /// </summary>
    private static Refusal? CheckBatch(IHeaderDictionary headers, string auditTool)
    {
        ArgumentNullException.ThrowIfNull(headers);
        return headers.ContainsKey(MethodHeader) || headers.ContainsKey(NameHeader) || RequiresName(headers)
            ? Mismatch($"A JSON-RPC batch has no one method or target for the {MethodHeader} and {NameHeader} headers to mirror; send one message per request.", auditTool)
            : null;
    }

    /// <summary>Whether the request speaks a revision that requires <c>Mcp-Name</c>: its <c>MCP-Protocol-Version</c> is a date from <see cref="McpProtocolVersions.PerRequest"/> on.</summary>
    private static bool RequiresName(IHeaderDictionary headers) =>
        headers[McpProtocolVersions.Header] is { Count: 1 } version && Trim(version[0]) is { Length: 10 } date && date[4] == '-' && date[7] == '-'
        && string.CompareOrdinal(date, McpProtocolVersions.PerRequest) >= 0;

    /// <summary>A field value without the optional whitespace around it (RFC 9110 §5.5).</summary>
    public static string? Trim(string? value) => value?.Trim(' ', '\t');

    /// <summary>The refusal of a mirrored header that disagrees with the body: 400, JSON-RPC -32020, <c>mcp_header_mismatch</c>, recorded.</summary>
    public static Refusal Mismatch(string detail, string auditTool) =>
        new(StatusCodes.Status400BadRequest, ProblemCodes.McpHeaderMismatch, detail + " Nothing was forwarded.") { JsonRpcCode = HeaderMismatchCode, AuditTool = auditTool, JsonRpcKeepsStatus = true };

    /// <summary>The header's value, its <c>=?base64?…?=</c> form decoded; null when that form is not valid base64 of UTF-8.</summary>
    public static string? Decode(string? value)
    {
        if (value is null || !value.StartsWith(Base64Prefix, StringComparison.Ordinal) || !value.EndsWith(Base64Suffix, StringComparison.Ordinal)
            || value.Length < Base64Prefix.Length + Base64Suffix.Length)
        {
            return value;
        }

        var encoded = value[Base64Prefix.Length..^Base64Suffix.Length];
        var bytes = new byte[encoded.Length];
        return Convert.TryFromBase64String(encoded, bytes, out var written) ? StrictUtf8(bytes.AsSpan(0, written)) : null;
    }

    private static string? StrictUtf8(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }

    /// <summary>What <c>Mcp-Name</c> mirrors for <paramref name="method"/>: <c>params.name</c>, <c>params.uri</c> or a task's <c>params.taskId</c> (SEP-2663); null for other methods.</summary>
    private static string? NamedTarget(string? method, ReadOnlySpan<byte> body)
    {
        var member = method switch
        {
            "tools/call" or "prompts/get" => "name",
            "resources/read" => "uri",
            "tasks/get" or "tasks/update" or "tasks/cancel" => "taskId",
            _ => null,
        };
        if (member is null)
        {
            return null;
        }

        var reader = new Utf8JsonReader(body);
        using var document = JsonDocument.ParseValue(ref reader);
        return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("params", out var parameters)
            && parameters.ValueKind == JsonValueKind.Object && parameters.TryGetProperty(member, out var target) && target.ValueKind == JsonValueKind.String
                ? target.GetString()
                : null;
    }
}
