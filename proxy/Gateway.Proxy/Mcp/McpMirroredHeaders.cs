using System.Text;
using System.Text.Json;
using Gateway.Connectors.Mcp;
using Gateway.Oversight;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Mcp;

/// <summary>
/// The request headers the MCP 2026-07-28 Streamable HTTP transport mirrors from the JSON-RPC body so that intermediaries
/// may route without reading it (SEP-2243): <c>Mcp-Method</c> (the method) and <c>Mcp-Name</c> (<c>params.name</c> of a
/// <c>tools/call</c> or <c>prompts/get</c>, <c>params.uri</c> of a <c>resources/read</c>; a value that is not plain ASCII
/// arrives as <c>=?base64?…?=</c>). The gateway decides on the body and forwards these headers to the server; one that
/// disagrees with the body is refused before anything is forwarded (HTTP 400, JSON-RPC <c>-32020</c>, the code the
/// specification names for a header mismatch), so that a server or a router behind the gateway can never be shown an
/// action other than the one decided. A header that is absent is the server's to judge (older revisions send none);
/// <c>Mcp-Param-*</c> headers are forwarded and checked by the server against the arguments, as the specification asks.
/// </summary>
internal static class McpMirroredHeaders
{
    public const string MethodHeader = "Mcp-Method";
    public const string NameHeader = "Mcp-Name";

    /// <summary>The JSON-RPC code the MCP specification assigns to a header that does not match the body.</summary>
    public const int HeaderMismatchCode = -32020;

    private const string Base64Prefix = "=?base64?";
    private const string Base64Suffix = "?=";

    /// <summary>A refusal when a mirrored header disagrees with <paramref name="message"/> (its body <paramref name="body"/>); null when none does.</summary>
    public static Refusal? Check(IHeaderDictionary headers, JsonRpcMessageInfo message, ReadOnlySpan<byte> body, string auditTool)
    {
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentNullException.ThrowIfNull(message);
        var method = headers[MethodHeader];
        if (method.Count > 1 || (method.Count == 1 && !string.Equals(method[0], message.Method, StringComparison.Ordinal)))
        {
            return Mismatch($"The {MethodHeader} header does not name the body's method ('{message.Method}').", auditTool);
        }

        var name = headers[NameHeader];
        if (name.Count == 0)
        {
            return null;
        }

        return name.Count == 1 && Decode(name[0]) is { } presented && string.Equals(presented, NamedTarget(message.Method, body), StringComparison.Ordinal)
            ? null
            : Mismatch($"The {NameHeader} header does not name the body's target (params.name, or params.uri of resources/read).", auditTool);
    }

    private static Refusal Mismatch(string detail, string auditTool) =>
        new(StatusCodes.Status400BadRequest, ProblemCodes.McpHeaderMismatch, detail + " Nothing was forwarded.") { JsonRpcCode = HeaderMismatchCode, AuditTool = auditTool, JsonRpcKeepsStatus = true };

    /// <summary>The header's value, its <c>=?base64?…?=</c> form decoded; null when that form is not valid base64 of UTF-8.</summary>
    private static string? Decode(string? value)
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

    /// <summary>What <c>Mcp-Name</c> mirrors for <paramref name="method"/>: <c>params.name</c> or <c>params.uri</c>; null for other methods.</summary>
    private static string? NamedTarget(string? method, ReadOnlySpan<byte> body)
    {
        var member = method switch
        {
            "tools/call" or "prompts/get" => "name",
            "resources/read" => "uri",
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
