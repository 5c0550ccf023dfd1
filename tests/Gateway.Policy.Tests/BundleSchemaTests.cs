using System.Text.Json;
using System.Text.RegularExpressions;
using Gateway.Policy.Authoring;
using YamlDotNet.RepresentationModel;

namespace Gateway.Policy.Tests;

/// <summary>
/// docs/schema/bundle.schema.json agrees with the strict parser: every bundle the parser accepts is valid under the
/// schema, and every unknown key the parser refuses the schema refuses too. The walker below covers the subset of
/// JSON Schema the file uses (type, properties, required, additionalProperties, enum, items, minItems, minimum,
/// pattern, anyOf, $ref).
/// </summary>
public sealed class BundleSchemaTests
{
    private static readonly Lazy<JsonElement> Schema = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Schema", "bundle.schema.json"))).RootElement.Clone());

    public static TheoryData<string> AcceptedBundles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Conformance", "bundles"), "*.yaml").Order(StringComparer.Ordinal))
        {
            data.Add(file);
        }

        data.Add(Path.Combine(AppContext.BaseDirectory, "ExampleBundle", "demo.yaml"));
        return data;
    }

    [Theory]
    [MemberData(nameof(AcceptedBundles))]
    public void Schema_BundleTheParserAccepts_IsValid(string file)
    {
        var errors = Validate(File.ReadAllText(file));

        Assert.True(errors.Count == 0, $"{file}: {string.Join("; ", errors)}");
    }

    [Fact]
    public void Schema_UnknownKeysTheParserRefuses_AreRefused()
    {
        var checkedCases = 0;
        foreach (var item in ConformanceCorpus.InvalidBundleCases())
        {
            var codes = ((YamlSequenceNode)item.Children[new YamlScalarNode("errors")]).Children.Cast<YamlMappingNode>()
                .Select(e => ((YamlScalarNode)e.Children[new YamlScalarNode("code")]).Value).ToList();
            if (codes.All(c => c == "unknown_key"))
            {
                var yaml = ((YamlScalarNode)item.Children[new YamlScalarNode("yaml")]).Value!;
                Assert.Contains(Validate(yaml), e => e.Contains("not allowed", StringComparison.Ordinal));
                checkedCases++;
            }
        }

        Assert.True(checkedCases >= 2);
    }

    [Fact]
    public void Schema_WrongEnumAndMissingRequired_AreRefused()
    {
        var errors = Validate("tenant: t1\nagents: [{ id: a, atf_level: L9 }]\n");

        Assert.Contains(errors, e => e.Contains("$.workspaces", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("$.agents[0].atf_level", StringComparison.Ordinal));
    }

    internal static List<string> Validate(string yaml)
    {
        using var document = JsonDocument.Parse(YamlJson.Convert(YamlJson.Parse(yaml, out _)!));
        var errors = new List<string>();
        Walk(Schema.Value, document.RootElement, "$", errors);
        return errors;
    }

    private static void Walk(JsonElement schema, JsonElement value, string path, List<string> errors)
    {
        if (schema.TryGetProperty("$ref", out var reference))
        {
            Walk(Schema.Value.GetProperty("$defs").GetProperty(reference.GetString()!["#/$defs/".Length..]), value, path, errors);
            return;
        }

        if (schema.TryGetProperty("anyOf", out var anyOf))
        {
            if (!anyOf.EnumerateArray().Any(option => { var inner = new List<string>(); Walk(option, value, path, inner); return inner.Count == 0; }))
            {
                errors.Add($"{path}: matches none of anyOf");
            }

            return;
        }

        if (schema.TryGetProperty("type", out var type) && !TypeMatches(type, value))
        {
            errors.Add($"{path}: expected {type}, got {value.ValueKind}");
            return;
        }

        if (schema.TryGetProperty("enum", out var values) && !values.EnumerateArray().Any(v => v.ToString() == value.ToString()))
        {
            errors.Add($"{path}: '{value}' not in enum");
        }

        if (schema.TryGetProperty("pattern", out var pattern) && value.ValueKind == JsonValueKind.String && !Regex.IsMatch(value.GetString()!, pattern.GetString()!))
        {
            errors.Add($"{path}: '{value}' does not match {pattern}");
        }

        if (schema.TryGetProperty("minimum", out var minimum) && value.ValueKind == JsonValueKind.Number && value.GetDouble() < minimum.GetDouble())
        {
            errors.Add($"{path}: below {minimum}");
        }

        if (value.ValueKind == JsonValueKind.Object)
        {
            var properties = schema.TryGetProperty("properties", out var p) ? p : default;
            foreach (var member in value.EnumerateObject())
            {
                if (properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(member.Name, out var memberSchema))
                {
                    Walk(memberSchema, member.Value, $"{path}.{member.Name}", errors);
                }
                else if (schema.TryGetProperty("additionalProperties", out var additional) && additional.ValueKind == JsonValueKind.False)
                {
                    errors.Add($"{path}.{member.Name}: not allowed");
                }
                else if (additional.ValueKind == JsonValueKind.Object)
                {
                    Walk(additional, member.Value, $"{path}.{member.Name}", errors);
                }

                if (schema.TryGetProperty("propertyNames", out var names))
                {
                    using var name = JsonDocument.Parse(JsonSerializer.Serialize(member.Name));
                    Walk(names, name.RootElement, $"{path}.{member.Name} (name)", errors);
                }
            }

            foreach (var required in schema.TryGetProperty("required", out var r) ? r.EnumerateArray() : default(JsonElement.ArrayEnumerator))
            {
                if (!value.TryGetProperty(required.GetString()!, out _))
                {
                    errors.Add($"{path}.{required.GetString()}: required");
                }
            }
        }

        if (value.ValueKind == JsonValueKind.Array)
        {
            if (schema.TryGetProperty("minItems", out var minItems) && value.GetArrayLength() < minItems.GetInt32())
            {
                errors.Add($"{path}: fewer than {minItems} items");
            }

            if (schema.TryGetProperty("items", out var items))
            {
                var i = 0;
                foreach (var item in value.EnumerateArray())
                {
                    Walk(items, item, $"{path}[{i++}]", errors);
                }
            }
        }
    }

    private static bool TypeMatches(JsonElement type, JsonElement value)
        => type.ValueKind == JsonValueKind.Array
            ? type.EnumerateArray().Any(t => TypeMatches(t, value))
            : type.GetString() switch
            {
                "object" => value.ValueKind == JsonValueKind.Object,
                "array" => value.ValueKind == JsonValueKind.Array,
                "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
                "integer" => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _),
                "number" => value.ValueKind == JsonValueKind.Number,
                "string" => value.ValueKind is JsonValueKind.String or JsonValueKind.Number,
                _ => false,
            };
}
