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
/// refused, as on every agent route.
/// </summary>
internal static partial class DelegationRequestReader
{
    private const int MaxTools = 256;

    public static (DelegationRequest? Request, string? Error) Read(ReadOnlySpan<byte> body)
    {
        try
        {
            return Read(JsonText.ParseStrict(body, maxDepth: 16));
        }
        catch (JsonException)
        {
            return (null, "The body is not JSON, or repeats a member.");
        }
    }

    private static (DelegationRequest? Request, string? Error) Read(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return (null, "The body must be a JSON object.");
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
            string? error = member.Name switch
            {
                "name" => Text(member.Value, "name", NamePattern(), out name),
                "run_id" => Text(member.Value, "run_id", RunIdPattern(), out runId),
                "permissions" => Tools(member.Value, out tools),
                "atf_level" => Enum(member.Value, "atf_level", out level),
                "data_class_ceiling" => Enum(member.Value, "data_class_ceiling", out ceiling),
                "ttl_seconds" => member.Value.ValueKind == JsonValueKind.Number && member.Value.TryGetInt64(out var seconds) && seconds is > 0 and <= 86_400 * 7
                    ? Set(out ttl, TimeSpan.FromSeconds(seconds))
                    : "ttl_seconds must be a whole number of seconds greater than 0.",
                "may_delegate" => member.Value.ValueKind is JsonValueKind.True or JsonValueKind.False
                    ? Set(out mayDelegate, member.Value.GetBoolean())
                    : "may_delegate must be true or false.",
                "public_key" => PublicKey(member.Value, out publicKey),
                _ => $"Unknown member '{RefusalText.Truncate(member.Name)}'.",
            };
            if (error is not null)
            {
                return (null, error);
            }
        }

        if (name is null)
        {
            return (null, "name is required.");
        }

        if (tools is null)
        {
            return (null, "permissions is required: the tools the child may use, each a subset of the parent's.");
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

    private static string? PublicKey(JsonElement value, out RequestedPublicKey? key)
    {
        key = null;
        if (value.ValueKind != JsonValueKind.Object)
        {
            return "public_key must be an object {\"alg\": …, \"key\": …}.";
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
                _ => $"Unknown member '{RefusalText.Truncate(member.Name)}' in public_key.",
            };
            if (error is not null)
            {
                return error;
            }
        }

        if (algorithm is not { } alg || text is null)
        {
            return "public_key needs alg and key.";
        }

        if (SubjectPublicKeyInfos.TryRead(text, alg, out var unreadable) is not { } spki)
        {
            return "public_key.key " + unreadable + ".";
        }

        key = new RequestedPublicKey(alg, spki);
        return null;
    }

    private static string? Tools(JsonElement value, out List<DelegationToolRequest>? tools)
    {
        tools = null;
        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() is 0 or > MaxTools)
        {
            return $"permissions must be a list of 1 to {MaxTools} tools.";
        }

        var list = new List<DelegationToolRequest>();
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object)
            {
                return "each permission must be an object {\"tool\": …, \"action_types\": […]}.";
            }

            string? tool = null;
            List<ActionType>? types = null;
            foreach (var member in item.EnumerateObject())
            {
                var error = member.Name switch
                {
                    "tool" => member.Value.ValueKind == JsonValueKind.String && member.Value.GetString() is { Length: > 0 and <= 256 } text
                        ? Set(out tool, text)
                        : "permissions[].tool must be a catalog name.",
                    "action_types" => ActionTypes(member.Value, out types),
                    _ => $"Unknown member '{RefusalText.Truncate(member.Name)}' in a permission.",
                };
                if (error is not null)
                {
                    return error;
                }
            }

            if (tool is null)
            {
                return "permissions[].tool is required.";
            }

            if (list.Exists(t => t.Tool == tool))
            {
                return $"permissions names tool '{tool}' twice.";
            }

            list.Add(new DelegationToolRequest(tool, types));
        }

        tools = list;
        return null;
    }

    private static string? ActionTypes(JsonElement value, out List<ActionType>? types)
    {
        types = null;
        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() == 0)
        {
            return "permissions[].action_types must be a non-empty list.";
        }

        var list = new List<ActionType>();
        foreach (var item in value.EnumerateArray())
        {
            if (Enum(item, "action_types[]", out ActionType? type) is { } error)
            {
                return error;
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

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._:@ -]{0,127}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex RunIdPattern();
}
