using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Policy.Tools;

namespace Gateway.Policy.Authoring;

/// <summary>
/// An OpenAPI 3.0 or 3.1 document (JSON or YAML) → catalog entries: one <c>http</c> entry per operation, named from its
/// <c>operationId</c> under a prefix, described by its summary, bound to its method and path (arguments in the body
/// when the operation takes a JSON body, else in the query), with an <c>input_schema</c> made of its path and query
/// parameters and its JSON body's properties (local <c>$ref</c>s inlined, keywords outside the gateway's subset dropped).
/// Whatever cannot be carried (header and cookie parameters, a body that is not a JSON object) is listed with why.
/// </summary>
public static partial class OpenApiImport
{
    private const int MaxRefDepth = 16;

    private static readonly string[] Methods = ["get", "put", "post", "delete", "patch"];

    private static readonly HashSet<string> Kept = new(StringComparer.Ordinal)
    {
        "type", "properties", "required", "additionalProperties", "items", "enum", "const", "minLength", "maxLength", "pattern",
        "format", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minItems", "maxItems", "uniqueItems",
        "anyOf", "oneOf", "allOf", "title", "description", "default", "examples",
    };

    /// <summary>Converts <paramref name="document"/>; the options name the base URL the entries call and their prefix.</summary>
    public static OpenApiImportResult Convert(string document, OpenApiImportOptions options)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(options);
        JsonNode? root;
        try
        {
            root = document.TrimStart().StartsWith('{')
                ? JsonNode.Parse(document)
                : YamlJson.Parse(document, out var error) is { } parsed ? JsonNode.Parse(YamlJson.Convert(parsed)) : throw new FormatException(error);
        }
        catch (Exception ex) when (ex is JsonException or FormatException)
        {
            return new OpenApiImportResult(string.Empty, [new OpenApiSkipped("", "the document is neither JSON nor YAML: " + ex.Message)], 0);
        }

        if (root is not JsonObject api || api["openapi"]?.GetValue<string>() is not { } version || !version.StartsWith('3') || api["paths"] is not JsonObject paths)
        {
            return new OpenApiImportResult(string.Empty, [new OpenApiSkipped("", "not an OpenAPI 3 document (no openapi: 3.x and paths)")], 0);
        }

        var skipped = new List<OpenApiSkipped>();
        var yaml = new StringBuilder();
        var names = new HashSet<string>(StringComparer.Ordinal);
        var count = 0;
        foreach (var (path, item) in paths)
        {
            if (item is not JsonObject pathItem)
            {
                continue;
            }

            foreach (var method in Methods)
            {
                if (pathItem[method] is not JsonObject operation)
                {
                    continue;
                }

                var where = method.ToUpperInvariant() + " " + path;
                var entry = Entry(api, path, method, pathItem, operation, options, names, where, skipped);
                if (entry is not null)
                {
                    yaml.Append(entry);
                    count++;
                }
            }
        }

        return new OpenApiImportResult(yaml.ToString(), skipped, count);
    }

    private static string? Entry(JsonObject api, string path, string method, JsonObject pathItem, JsonObject operation, OpenApiImportOptions options,
        HashSet<string> names, string where, List<OpenApiSkipped> skipped)
    {
        var properties = new JsonObject();
        var required = new JsonArray();
        var parameters = (pathItem["parameters"] as JsonArray ?? []).Concat(operation["parameters"] as JsonArray ?? []);
        foreach (var parameter in parameters.Select(p => Resolve(api, p, 0) as JsonObject).OfType<JsonObject>())
        {
            var parameterName = parameter["name"]?.GetValue<string>();
            var location = parameter["in"]?.GetValue<string>();
            if (parameterName is null || location is not ("path" or "query"))
            {
                skipped.Add(new OpenApiSkipped(where, $"parameter '{parameterName}' in {location}: only path and query parameters become arguments"));
                continue;
            }

            var schema = Clean(api, parameter["schema"], 0) as JsonObject ?? new JsonObject { ["type"] = "string" };
            if (parameter["description"]?.GetValue<string>() is { } description && schema["description"] is null)
            {
                schema["description"] = description;
            }

            properties[parameterName] = schema;
            if (location == "path" || parameter["required"]?.GetValue<bool>() == true)
            {
                required.Add(parameterName);
            }
        }

        var args = "query";
        if (Resolve(api, operation["requestBody"], 0) is JsonObject body)
        {
            var json = (body["content"] as JsonObject)?.FirstOrDefault(c => c.Key.StartsWith("application/json", StringComparison.Ordinal) || c.Key.EndsWith("+json", StringComparison.Ordinal)).Value as JsonObject;
            if (json is null || Clean(api, json["schema"], 0) is not JsonObject bodySchema || bodySchema["properties"] is not JsonObject bodyProperties)
            {
                skipped.Add(new OpenApiSkipped(where, "the request body is not a JSON object with properties: the operation is left out"));
                return null;
            }

            args = "body";
            foreach (var (property, schema) in bodyProperties)
            {
                properties[property] = schema?.DeepClone();
            }

            foreach (var requiredProperty in bodySchema["required"] as JsonArray ?? [])
            {
                if (requiredProperty?.GetValue<string>() is { } n && !required.Any(r => r!.GetValue<string>() == n))
                {
                    required.Add(n);
                }
            }
        }

        var inputSchema = new JsonObject { ["type"] = "object", ["properties"] = properties };
        if (required.Count > 0)
        {
            inputSchema["required"] = required;
        }

        using (var check = JsonDocument.Parse(inputSchema.ToJsonString()))
        {
            if (ToolInputSchema.Check(check.RootElement) is [var first, ..])
            {
                skipped.Add(new OpenApiSkipped(where, "its arguments make no schema the gateway accepts: " + first));
                return null;
            }
        }

        var name = UniqueName(options.Prefix, operation["operationId"]?.GetValue<string>() ?? method + "_" + path, names);
        var summary = operation["summary"]?.GetValue<string>() ?? operation["description"]?.GetValue<string>();
        var actionType = method switch { "get" => "read", "delete" => "delete", _ => "write" };
        var entry = new StringBuilder();
        entry.Append("  - name: ").Append(YamlJson.Quote(name)).Append('\n');
        entry.Append("    kind: http\n");
        entry.Append("    action_type: ").Append(actionType).Append('\n');
        entry.Append("    target_system: ").Append(YamlJson.Quote(options.TargetSystem ?? options.Prefix)).Append('\n');
        entry.Append("    upstream: ").Append(YamlJson.Quote(options.Upstream)).Append('\n');
        entry.Append("    credential: ").Append(YamlJson.Quote(options.Credential ?? "none")).Append('\n');
        entry.Append("    http: { method: ").Append(method.ToUpperInvariant()).Append(", path: ").Append(YamlJson.Quote(path)).Append(", args: ").Append(args).Append(" }\n");
        if (!string.IsNullOrWhiteSpace(summary))
        {
            entry.Append("    description: ").Append(YamlJson.Quote(summary.Length > 4096 ? summary[..4096] : summary.Trim())).Append('\n');
        }

        entry.Append("    input_schema: ").Append(inputSchema.ToJsonString()).Append('\n');
        return entry.ToString();
    }

    /// <summary>A schema with local <c>$ref</c>s inlined and keywords outside the gateway's subset dropped (<c>nullable</c> becomes a null type).</summary>
    private static JsonNode? Clean(JsonObject api, JsonNode? node, int depth)
    {
        if (Resolve(api, node, depth) is not JsonObject schema || depth > MaxRefDepth)
        {
            return null;
        }

        var clean = new JsonObject();
        foreach (var (key, value) in schema)
        {
            switch (key)
            {
                case "properties" when value is JsonObject properties:
                    var cleaned = new JsonObject();
                    foreach (var (name, property) in properties)
                    {
                        cleaned[name] = Clean(api, property, depth + 1) ?? new JsonObject();
                    }

                    clean[key] = cleaned;
                    break;
                case "items" or "additionalProperties" when value is JsonObject:
                    clean[key] = Clean(api, value, depth + 1);
                    break;
                case "anyOf" or "oneOf" or "allOf" when value is JsonArray parts:
                    clean[key] = new JsonArray([.. parts.Select(p => Clean(api, p, depth + 1) ?? new JsonObject())]);
                    break;
                case var name when Kept.Contains(name):
                    clean[key] = value?.DeepClone();
                    break;
            }
        }

        if (schema["nullable"]?.GetValue<bool>() == true && clean["type"] is JsonValue type)
        {
            clean["type"] = new JsonArray(type.GetValue<string>(), "null");
        }

        return clean;
    }

    /// <summary>The node a local <c>$ref</c> (<c>#/components/…</c>) points at, or the node itself.</summary>
    private static JsonNode? Resolve(JsonObject api, JsonNode? node, int depth)
    {
        while (node is JsonObject { } reference && reference["$ref"]?.GetValue<string>() is { } target && depth++ < MaxRefDepth)
        {
            if (!target.StartsWith("#/", StringComparison.Ordinal))
            {
                return null;
            }

            JsonNode? current = api;
            foreach (var segment in target[2..].Split('/'))
            {
                current = current?[segment.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)];
            }

            node = current;
        }

        return node;
    }

    private static string UniqueName(string prefix, string operation, HashSet<string> names)
    {
        var snake = new StringBuilder();
        for (var i = 0; i < operation.Length; i++)
        {
            var c = operation[i];
            if (char.IsAsciiLetterUpper(c) && i > 0 && char.IsAsciiLetterLower(operation[i - 1]))
            {
                snake.Append('_');
            }

            snake.Append(char.IsAsciiLetterOrDigit(c) ? char.ToLowerInvariant(c) : '_');
        }

        var stem = prefix + "." + snake.ToString().Trim('_').Replace("__", "_", StringComparison.Ordinal);
        var name = stem;
        for (var n = 2; !names.Add(name); n++)
        {
            name = stem + "_" + n.ToString(CultureInfo.InvariantCulture);
        }

        return name;
    }
}
