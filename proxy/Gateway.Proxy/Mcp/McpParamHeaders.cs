using System.Globalization;
using System.Text.Json;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Mcp;

/// <summary>
/// The <c>Mcp-Param-{Name}</c> headers of a <c>tools/call</c> on an MCP server's per-server route, decided by the gateway
/// (MCP 2026-07-28, SEP-2243): a tool declares in its <c>inputSchema</c> which argument a header mirrors (the property's
/// <c>x-mcp-header</c> names <c>{Name}</c>, case-insensitively, at any depth of nested objects), and the client sends its
/// value, as text or <c>=?base64?…?=</c> of UTF-8. A header the served definition declares must agree with the body's
/// argument (a string as it is, a boolean as <c>true</c> or <c>false</c>, a number as the same number): one that does not,
/// repeats, names an argument the body does not carry, or does not decode is refused like a disagreeing <c>Mcp-Name</c>.
/// The headers that agree are the only ones forwarded; one the gateway cannot tie to an argument (the served tool declares
/// no such header, or two, or its definition is not known) is dropped, never forwarded undecided.
/// </summary>
internal static class McpParamHeaders
{
    /// <summary>The prefix of the headers a tool's arguments are mirrored in.</summary>
    public const string Prefix = "Mcp-Param-";

    private const string Annotation = "x-mcp-header";

    /// <summary>True when <paramref name="headers"/> hold an <c>Mcp-Param-*</c> header.</summary>
    public static bool AnyIn(IHeaderDictionary headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        foreach (var header in headers)
        {
            if (header.Key.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Checks each <c>Mcp-Param-*</c> header against <paramref name="body"/> (a <c>tools/call</c>) by the served tool's
    /// <paramref name="inputSchema"/>: a refusal when a declared one disagrees; else the names of those that agree, the only
    /// ones forwarded.
    /// </summary>
    public static (Refusal? Refusal, IReadOnlySet<string> Agreeing) Check(IHeaderDictionary headers, JsonElement inputSchema, ReadOnlySpan<byte> body, string auditTool)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var declared = new Dictionary<string, string[]?>(StringComparer.OrdinalIgnoreCase);
        Declarations(inputSchema, [], declared);
        var agreeing = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (declared.Count == 0)
        {
            return (null, agreeing);
        }

        var reader = new Utf8JsonReader(body);
        using var document = JsonDocument.ParseValue(ref reader);
        var arguments = document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("params", out var parameters)
            && parameters.ValueKind == JsonValueKind.Object && parameters.TryGetProperty("arguments", out var args) ? args : default;
        foreach (var (name, values) in headers)
        {
            if (!name.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase) || !declared.TryGetValue(name[Prefix.Length..], out var path) || path is null)
            {
                continue;
            }

            var presented = values.Count == 1 ? McpMirroredHeaders.Decode(McpMirroredHeaders.Trim(values[0])) : null;
            if (presented is null || !Argument(arguments, path, out var argument) || !Agrees(presented, argument))
            {
                return (McpMirroredHeaders.Mismatch($"The {RefusalText.Truncate(name)} header does not mirror the body's argument '{RefusalText.Truncate(string.Join('.', path))}' (its tool's x-mcp-header).", auditTool), agreeing);
            }

            agreeing.Add(name);
        }

        return (null, agreeing);
    }

    /// <summary>Each header name <paramref name="schema"/>'s properties declare, at any depth; a name declared twice maps to null (it mirrors no one argument).</summary>
    private static void Declarations(JsonElement schema, string[] path, Dictionary<string, string[]?> declared)
    {
        if (schema.ValueKind != JsonValueKind.Object || !schema.TryGetProperty("properties", out var properties) || properties.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        foreach (var property in properties.EnumerateObject())
        {
            var at = (string[])[.. path, property.Name];
            Declarations(property.Value, at, declared);
            if (property.Value.ValueKind == JsonValueKind.Object && property.Value.TryGetProperty(Annotation, out var header)
                && header.ValueKind == JsonValueKind.String && header.GetString() is { Length: > 0 } name)
            {
                declared[name] = declared.ContainsKey(name) ? null : at;
            }
        }
    }

    /// <summary>The argument at <paramref name="path"/> of <paramref name="arguments"/>; false when it is absent or null (a header then mirrors nothing the body carries).</summary>
    private static bool Argument(JsonElement arguments, string[] path, out JsonElement argument)
    {
        argument = arguments;
        foreach (var member in path)
        {
            if (argument.ValueKind != JsonValueKind.Object || !argument.TryGetProperty(member, out argument))
            {
                return false;
            }
        }

        return argument.ValueKind != JsonValueKind.Null;
    }

    /// <summary>Whether <paramref name="presented"/> (decoded) is <paramref name="argument"/> as the specification writes it.</summary>
    private static bool Agrees(string presented, JsonElement argument) => argument.ValueKind switch
    {
        JsonValueKind.String => string.Equals(presented, argument.GetString(), StringComparison.Ordinal),
        JsonValueKind.True => presented == "true",
        JsonValueKind.False => presented == "false",

        // 42 and 42.0 are one number (the specification compares numbers, not their spellings).
        JsonValueKind.Number => argument.TryGetDecimal(out var value)
            ? decimal.TryParse(presented, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out var number) && number == value
            : string.Equals(presented, argument.GetRawText(), StringComparison.Ordinal),
        _ => false,
    };
}
