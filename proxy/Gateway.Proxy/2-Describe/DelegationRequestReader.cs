using System.Text.Json;
using System.Text.RegularExpressions;
using Gateway.Policy;
using Gateway.Policy.Bundles;
using Gateway.Policy.Serialization;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Describe;

/// <summary>
/// Reads the body of <c>POST /v1/delegations</c> into a <see cref="DelegationRequest"/>, or says exactly what is wrong
/// with it (400): a JSON object with <c>name</c>, a non-empty <c>permissions</c> list of <c>{tool, action_types?}</c>, and
/// optionally <c>atf_level</c>, <c>data_class_ceiling</c>, <c>ttl_seconds</c>, <c>run_id</c>, <c>may_delegate</c> and
/// <c>public_key</c> (<c>{alg, key}</c>, the key in any form an agent's may take in a bundle); any other member is
/// refused, as on every agent route. What is wrong is said where it is, by JSON path, line and byte
/// (<see cref="JsonBodyLocation"/>, <see cref="JsonErrorText"/>).
/// </summary>
internal static partial class DelegationRequestReader
{
    private const int MaxTools = 256;

    public static (DelegationRequest? Request, string? Error) Read(ReadOnlySpan<byte> body)
    {
        JsonElement root;
        try
        {
            root = JsonText.ParseStrict(body, maxDepth: 16);
        }
        catch (JsonException ex)
        {
            return (null, JsonErrorText.Describe(ex, body));
        }

        return Read(root, body);
    }

    private static (DelegationRequest? Request, string? Error) Read(JsonElement root, ReadOnlySpan<byte> body)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return (null, JsonBodyLocation.At(body, "the body must be a JSON object."));
        }

        string? name = null, runId = null;
        List<DelegationToolRequest>? tools = null;
        AtfLevel? level = null;
        DataClass? ceiling = null;
        TimeSpan? ttl = null;
        var mayDelegate = false;
        RequestedPublicKey? publicKey = null;
        foreach (var member in root.EnumerateObject())
        {
            var at = member.Name;
            string? error = member.Name switch
            {
                "name" => At(body, Text(member.Value, "name", NamePattern(), out name), at),
                "run_id" => At(body, Text(member.Value, "run_id", RunIdPattern(), out runId), at),
                "permissions" => Tools(body, member.Value, out tools),
                "atf_level" => At(body, Enum(member.Value, "atf_level", out level), at),
                "data_class_ceiling" => At(body, Enum(member.Value, "data_class_ceiling", out ceiling), at),
                "ttl_seconds" => member.Value.ValueKind == JsonValueKind.Number && member.Value.TryGetInt64(out var seconds) && seconds is > 0 and <= 86_400 * 7
                    ? Set(out ttl, TimeSpan.FromSeconds(seconds))
                    : At(body, "ttl_seconds must be a whole number of seconds greater than 0.", at),
                "may_delegate" => member.Value.ValueKind is JsonValueKind.True or JsonValueKind.False
                    ? Set(out mayDelegate, member.Value.GetBoolean())
                    : At(body, "may_delegate must be true or false.", at),
                "public_key" => PublicKey(body, member.Value, out publicKey),
                _ => JsonBodyLocation.Unknown(body, member.Name),
            };
            if (error is not null)
            {
                return (null, error);
            }
        }

        if (name is null)
        {
            return (null, JsonBodyLocation.Missing(body, "name"));
        }

        if (tools is null)
        {
            return (null, JsonBodyLocation.Missing(body, "permissions", "the tools the child may use, each a subset of the parent's"));
        }

        return (new DelegationRequest(
            new DelegationGrantRequest
            {
                Name = name,
                Tools = tools,
                AtfLevel = level,
                DataClassCeiling = ceiling,
                Ttl = ttl,
                RunId = runId,
                MayDelegate = mayDelegate,
            },
            publicKey), null);
    }

    private static string? PublicKey(ReadOnlySpan<byte> body, JsonElement value, out RequestedPublicKey? key)
    {
        key = null;
        if (value.ValueKind != JsonValueKind.Object)
        {
            return JsonBodyLocation.At(body, "public_key must be an object {\"alg\": …, \"key\": …}.", "public_key");
        }

        PublicKeyAlgorithm? algorithm = null;
        string? text = null;
        foreach (var member in value.EnumerateObject())
        {
            var error = member.Name switch
            {
                "alg" => Enum(member.Value, "public_key.alg", out algorithm),
                "key" => member.Value.ValueKind == JsonValueKind.String && member.Value.GetString() is { Length: > 0 and <= 4096 } written
                    ? Set(out text, written)
                    : "public_key.key must be the public key: PEM, base64 of its DER SubjectPublicKeyInfo, or base64 of the raw key.",
                "key_id" => "public_key.key_id is not taken: a child's keyid is its own id (dlg-…), given in the answer.",
                _ => null,
            };
            if (error is not null)
            {
                return JsonBodyLocation.At(body, error, "public_key", member.Name);
            }

            if (member.Name is not ("alg" or "key"))
            {
                return JsonBodyLocation.Unknown(body, member.Name, "public_key");
            }
        }

        if (algorithm is not { } alg || text is null)
        {
            return JsonBodyLocation.Missing(body, algorithm is null ? "alg" : "key", null, "public_key");
        }

        if (SubjectPublicKeyInfos.TryRead(text, alg, out var unreadable) is not { } spki)
        {
            return JsonBodyLocation.At(body, "public_key.key " + unreadable + ".", "public_key", "key");
        }

        key = new RequestedPublicKey(alg, spki);
        return null;
    }

    private static string? Tools(ReadOnlySpan<byte> body, JsonElement value, out List<DelegationToolRequest>? tools)
    {
        tools = null;
        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() is 0 or > MaxTools)
        {
            return JsonBodyLocation.At(body, $"permissions must be a list of 1 to {MaxTools} tools.", "permissions");
        }

        var list = new List<DelegationToolRequest>();
        var index = -1;
        foreach (var item in value.EnumerateArray())
        {
            index++;
            if (item.ValueKind != JsonValueKind.Object)
            {
                return JsonBodyLocation.At(body, "each permission must be an object {\"tool\": …, \"action_types\": […]}.", "permissions", index);
            }

            string? tool = null;
            List<ActionType>? types = null;
            foreach (var member in item.EnumerateObject())
            {
                var error = member.Name switch
                {
                    "tool" => member.Value.ValueKind == JsonValueKind.String && member.Value.GetString() is { Length: > 0 and <= 256 } text
                        ? Set(out tool, text)
                        : JsonBodyLocation.At(body, "permissions[].tool must be a catalog name.", "permissions", index, "tool"),
                    "action_types" => ActionTypes(body, member.Value, index, out types),
                    _ => JsonBodyLocation.Unknown(body, member.Name, "permissions", index),
                };
                if (error is not null)
                {
                    return error;
                }
            }

            if (tool is null)
            {
                return JsonBodyLocation.Missing(body, "tool", "a catalog name", "permissions", index);
            }

            if (list.Exists(t => t.Tool == tool))
            {
                return JsonBodyLocation.At(body, $"permissions names tool '{RefusalText.Truncate(tool)}' twice.", "permissions", index, "tool");
            }

            list.Add(new DelegationToolRequest(tool, types));
        }

        tools = list;
        return null;
    }

    private static string? ActionTypes(ReadOnlySpan<byte> body, JsonElement value, int permission, out List<ActionType>? types)
    {
        types = null;
        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() == 0)
        {
            return JsonBodyLocation.At(body, "permissions[].action_types must be a non-empty list.", "permissions", permission, "action_types");
        }

        var list = new List<ActionType>();
        var index = -1;
        foreach (var item in value.EnumerateArray())
        {
            index++;
            if (Enum(item, "action_types[]", out ActionType? type) is { } error)
            {
                return JsonBodyLocation.At(body, error, "permissions", permission, "action_types", index);
            }

            list.Add(type!.Value);
        }

        types = list;
        return null;
    }

    private static string? Enum<T>(JsonElement value, string what, out T? parsed)
        where T : struct, System.Enum
    {
        parsed = null;
        if (value.ValueKind == JsonValueKind.String && WireNames.TryParse<T>(value.GetString(), out var found))
        {
            parsed = found;
            return null;
        }

        return $"{what} must be one of: {string.Join(", ", WireNames.All<T>())}.";
    }

    private static string? Text(JsonElement value, string what, Regex pattern, out string? text)
    {
        text = value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        if (text is not null && pattern.IsMatch(text))
        {
            return null;
        }

        text = null;
        return $"{what} must be 1 to 128 characters of [A-Za-z0-9._:@ -]" + (what == "run_id" ? " (no space)." : ".");
    }

    private static string? Set<T>(out T target, T value)
    {
        target = value;
        return null;
    }

    // What is wrong with the member at path, said where it is; null when nothing is.
    private static string? At(ReadOnlySpan<byte> body, string? what, params ReadOnlySpan<JsonStep> path) =>
        what is null ? null : JsonBodyLocation.At(body, what, path);

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._:@ -]{0,127}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex RunIdPattern();
}
