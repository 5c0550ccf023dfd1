using System.Text.Json;

namespace Gateway.Policy.Tools;

/// <summary>
/// The JSON Schema of an HTTP or webhook tool's arguments (a catalog entry's <c>input_schema</c>), in the subset the
/// gateway understands: <c>type</c>, <c>properties</c>, <c>required</c>, <c>additionalProperties</c>, <c>items</c>,
/// <c>enum</c>, <c>const</c>, <c>minLength</c>/<c>maxLength</c>, <c>pattern</c>, <c>format</c> (not checked),
/// <c>minimum</c>/<c>maximum</c>, <c>minItems</c>/<c>maxItems</c>, <c>anyOf</c>/<c>oneOf</c>/<c>allOf</c>, local
/// <c>$ref</c> into <c>$defs</c>, and the annotations <c>title</c>, <c>description</c>, <c>default</c>, <c>examples</c>. A
/// <c>pattern</c> is read in ECMA-262's dialect (<see cref="SchemaPattern"/>), and an argument's name matches a property (and
/// <c>required</c>) as rule paths match names: in any case, without <c>_</c> and <c>-</c>, as case-folding upstreams bind it.
/// <see cref="Check"/> says what is wrong with a schema (every error, with its JSON path) when the bundle loads;
/// <see cref="Validate"/> says what is wrong with a call's arguments before anything is forwarded.
/// </summary>
public static partial class ToolInputSchema
{
    /// <summary>The deepest nesting of schemas.</summary>
    public const int MaxDepth = 32;

    /// <summary>The largest schema, as compact JSON.</summary>
    public const int MaxBytes = 64 * 1024;

    private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
    {
        "$schema", "$id", "$defs", "$ref", "type", "properties", "required", "additionalProperties", "items", "enum", "const",
        "minLength", "maxLength", "pattern", "format", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
        "minItems", "maxItems", "uniqueItems", "anyOf", "oneOf", "allOf", "title", "description", "default", "examples",
    };

    /// <summary>
    /// The most errors <see cref="Validate"/> collects by default: the five a refusal names, and a sixth that
    /// says more exist (its <c>; …</c>); the walk stops there, however many members an argument object has.
    /// </summary>
    public const int MaxErrors = 6;

    private static readonly HashSet<string> Types = new(StringComparer.Ordinal) { "object", "array", "string", "number", "integer", "boolean", "null" };

    /// <summary>Every error of <paramref name="schema"/> as a tool's input schema (its root an object schema); empty when it is sound.</summary>
    public static IReadOnlyList<string> Check(JsonElement schema)
    {
        var errors = new List<string>();
        if (schema.GetRawText().Length > MaxBytes)
        {
            errors.Add($"the schema is larger than {MaxBytes} bytes");
            return errors;
        }

        if (schema.ValueKind != JsonValueKind.Object || !schema.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String || type.GetString() != "object")
        {
            errors.Add("$: a tool's input schema is an object schema (type: object)");
        }

        CheckSchema(schema, schema, "$", 0, errors);
        return errors;
    }

    /// <summary>The first <paramref name="limit"/> ways <paramref name="value"/> breaks <paramref name="schema"/> (a schema <see cref="Check"/> accepted), as the walk finds them; it stops there. Empty when it fits.</summary>
    public static IReadOnlyList<string> Validate(JsonElement schema, JsonElement value, int limit = MaxErrors)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        var errors = new ValidationErrors(limit);
        ValidateValue(schema, schema, value, "$", 0, errors);
        return errors.Found;
    }

    private static void CheckSchema(JsonElement root, JsonElement schema, string path, int depth, List<string> errors)
    {
        if (depth > MaxDepth)
        {
            errors.Add($"{path}: schemas are nested deeper than {MaxDepth}");
            return;
        }

        if (schema.ValueKind == JsonValueKind.True || schema.ValueKind == JsonValueKind.False)
        {
            return;
        }

        if (schema.ValueKind != JsonValueKind.Object)
        {
            errors.Add($"{path}: a schema is an object");
            return;
        }

        foreach (var member in schema.EnumerateObject())
        {
            var at = path + "." + member.Name;
            var value = member.Value;
            switch (member.Name)
            {
                case var name when !Keywords.Contains(name):
                    errors.Add($"{at}: '{name}' is not a keyword the gateway understands");
                    break;
                case "type":
                    if (!(value.ValueKind == JsonValueKind.String && Types.Contains(value.GetString()!))
                        && !(value.ValueKind == JsonValueKind.Array && value.GetArrayLength() > 0 && value.EnumerateArray().All(t => t.ValueKind == JsonValueKind.String && Types.Contains(t.GetString()!))))
                    {
                        errors.Add($"{at}: type is one of object, array, string, number, integer, boolean, null (or a list of them)");
                    }

                    break;
                case "properties" or "$defs":
                    if (value.ValueKind != JsonValueKind.Object)
                    {
                        errors.Add($"{at}: {member.Name} is an object of schemas");
                        break;
                    }

                    foreach (var property in value.EnumerateObject())
                    {
                        CheckSchema(root, property.Value, at + "." + property.Name, depth + 1, errors);
                    }

                    break;
                case "required":
                    if (value.ValueKind != JsonValueKind.Array || value.EnumerateArray().Any(r => r.ValueKind != JsonValueKind.String))
                    {
                        errors.Add($"{at}: required is a list of property names");
                    }
                    else if (schema.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object)
                    {
                        foreach (var name in value.EnumerateArray().Select(r => r.GetString()!).Where(n => !properties.TryGetProperty(n, out _)))
                        {
                            errors.Add($"{at}: '{name}' is required but not among the properties");
                        }
                    }

                    break;
                case "additionalProperties" or "items":
                    CheckSchema(root, value, at, depth + 1, errors);
                    break;
                case "anyOf" or "oneOf" or "allOf":
                    if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() == 0)
                    {
                        errors.Add($"{at}: {member.Name} is a non-empty list of schemas");
                        break;
                    }

                    var i = 0;
                    foreach (var item in value.EnumerateArray())
                    {
                        CheckSchema(root, item, $"{at}[{i++}]", depth + 1, errors);
                    }

                    break;
                case "enum":
                    if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() == 0)
                    {
                        errors.Add($"{at}: enum is a non-empty list");
                    }

                    break;
                case "minLength" or "maxLength" or "minItems" or "maxItems":
                    if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var count) || count < 0)
                    {
                        errors.Add($"{at}: {member.Name} is a non-negative integer");
                    }

                    break;
                case "minimum" or "maximum" or "exclusiveMinimum" or "exclusiveMaximum":
                    if (value.ValueKind != JsonValueKind.Number)
                    {
                        errors.Add($"{at}: {member.Name} is a number");
                    }

                    break;
                case "pattern":
                    if (value.ValueKind != JsonValueKind.String || !SchemaPattern.IsRegex(value.GetString()!))
                    {
                        errors.Add($"{at}: pattern is a regular expression");
                    }

                    break;
                case "$ref":
                    if (value.ValueKind != JsonValueKind.String || Resolve(root, value.GetString()!) is null)
                    {
                        errors.Add($"{at}: $ref names a schema under #/$defs of this schema");
                    }

                    break;
            }
        }
    }

    private static void ValidateValue(JsonElement root, JsonElement schema, JsonElement value, string path, int depth, ValidationErrors errors)
    {
        if (schema.ValueKind == JsonValueKind.True || depth > MaxDepth || errors.Full)
        {
            return;
        }

        if (schema.ValueKind == JsonValueKind.False)
        {
            errors.Add($"{path}: no value is allowed here");
            return;
        }

        if (schema.TryGetProperty("$ref", out var reference) && Resolve(root, reference.GetString()!) is { } target)
        {
            ValidateValue(root, target, value, path, depth + 1, errors);
        }

        if (schema.TryGetProperty("type", out var type) && !TypeMatches(type, value))
        {
            errors.Add($"{path}: expected {(type.ValueKind == JsonValueKind.String ? type.GetString() : string.Join(" or ", type.EnumerateArray().Select(t => t.GetString())))}, got {Describe(value)}");
            return;
        }

        if (schema.TryGetProperty("enum", out var choices) && !choices.EnumerateArray().Any(c => JsonElement.DeepEquals(c, value)))
        {
            errors.Add($"{path}: not one of the allowed values");
        }

        if (schema.TryGetProperty("const", out var constant) && !JsonElement.DeepEquals(constant, value))
        {
            errors.Add($"{path}: must be {constant.GetRawText()}");
        }

        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                ValidateObject(root, schema, value, path, depth, errors);
                break;
            case JsonValueKind.Array:
                if (schema.TryGetProperty("minItems", out var minItems) && value.GetArrayLength() < minItems.GetInt64())
                {
                    errors.Add($"{path}: at least {minItems.GetInt64()} items");
                }

                if (schema.TryGetProperty("maxItems", out var maxItems) && value.GetArrayLength() > maxItems.GetInt64())
                {
                    errors.Add($"{path}: at most {maxItems.GetInt64()} items");
                }

                if (schema.TryGetProperty("items", out var items))
                {
                    var i = 0;
                    foreach (var item in value.EnumerateArray())
                    {
                        if (errors.Full)
                        {
                            return;
                        }

                        ValidateValue(root, items, item, $"{path}[{i++}]", depth + 1, errors);
                    }
                }

                break;
            case JsonValueKind.String:
                var text = value.GetString()!;
                var length = text.EnumerateRunes().Count();
                if (schema.TryGetProperty("minLength", out var minLength) && length < minLength.GetInt64())
                {
                    errors.Add($"{path}: at least {minLength.GetInt64()} characters");
                }

                if (schema.TryGetProperty("maxLength", out var maxLength) && length > maxLength.GetInt64())
                {
                    errors.Add($"{path}: at most {maxLength.GetInt64()} characters");
                }

                if (schema.TryGetProperty("pattern", out var pattern) && !SchemaPattern.Matches(pattern.GetString()!, text))
                {
                    errors.Add($"{path}: does not match the pattern");
                }

                break;
            case JsonValueKind.Number:
                var number = value.GetDouble();
                if ((schema.TryGetProperty("minimum", out var minimum) && number < minimum.GetDouble())
                    || (schema.TryGetProperty("exclusiveMinimum", out var exclusiveMinimum) && number <= exclusiveMinimum.GetDouble()))
                {
                    errors.Add($"{path}: below the minimum");
                }

                if ((schema.TryGetProperty("maximum", out var maximum) && number > maximum.GetDouble())
                    || (schema.TryGetProperty("exclusiveMaximum", out var exclusiveMaximum) && number >= exclusiveMaximum.GetDouble()))
                {
                    errors.Add($"{path}: above the maximum");
                }

                break;
        }

        ValidateCombinations(root, schema, value, path, depth, errors);
    }

    private static void ValidateCombinations(JsonElement root, JsonElement schema, JsonElement value, string path, int depth, ValidationErrors errors)
    {
        if (errors.Full)
        {
            return;
        }

        if (schema.TryGetProperty("allOf", out var allOf))
        {
            foreach (var part in allOf.EnumerateArray().TakeWhile(_ => !errors.Full))
            {
                ValidateValue(root, part, value, path, depth + 1, errors);
            }
        }

        if (schema.TryGetProperty("anyOf", out var anyOf) && !anyOf.EnumerateArray().Any(part => Fits(root, part, value, depth)))
        {
            errors.Add($"{path}: matches none of anyOf");
        }

        if (schema.TryGetProperty("oneOf", out var oneOf) && oneOf.EnumerateArray().Count(part => Fits(root, part, value, depth)) != 1)
        {
            errors.Add($"{path}: must match exactly one of oneOf");
        }
    }

    // Whether value fits: the walk stops at the first error.
    private static bool Fits(JsonElement root, JsonElement schema, JsonElement value, int depth)
    {
        var errors = new ValidationErrors(1);
        ValidateValue(root, schema, value, "$", depth + 1, errors);
        return errors.Found.Count == 0;
    }

    private static bool TypeMatches(JsonElement type, JsonElement value) => type.ValueKind == JsonValueKind.Array
        ? type.EnumerateArray().Any(t => TypeMatches(t.GetString()!, value))
        : TypeMatches(type.GetString()!, value);

    private static bool TypeMatches(string type, JsonElement value) => type switch
    {
        "object" => value.ValueKind == JsonValueKind.Object,
        "array" => value.ValueKind == JsonValueKind.Array,
        "string" => value.ValueKind == JsonValueKind.String,
        "number" => value.ValueKind == JsonValueKind.Number,
        "integer" => value.ValueKind == JsonValueKind.Number && value.TryGetDecimal(out var d) && decimal.Truncate(d) == d,
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "null" => value.ValueKind == JsonValueKind.Null,
        _ => false,
    };

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Undefined => "nothing",
        _ => value.ValueKind.ToString().ToLowerInvariant(),
    };

    private static JsonElement? Resolve(JsonElement root, string reference)
    {
        const string Prefix = "#/$defs/";
        return reference.StartsWith(Prefix, StringComparison.Ordinal) && root.TryGetProperty("$defs", out var defs) && defs.ValueKind == JsonValueKind.Object
            && defs.TryGetProperty(reference[Prefix.Length..], out var target)
                ? target
                : null;
    }
}
