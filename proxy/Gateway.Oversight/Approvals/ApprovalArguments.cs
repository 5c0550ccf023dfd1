using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Connectors.Detection;
using Gateway.Connectors.Redaction;
using Gateway.Policy.Canonical;

namespace Gateway.Oversight.Approvals;

/// <summary>
/// The arguments an approval request keeps of its action, for the people who decide it: canonical JSON
/// (<see cref="CanonicalJsonWriter"/>, members sorted), redacted before it is stored, never after. Two redactions apply:
/// the string values of members named like credentials (<see cref="SecretMaterialDetector.IsSensitiveMemberName"/>:
/// <c>password</c>, <c>api_key</c>, <c>authorization</c>…; the admission refuses a payload that carries one, so this is
/// the second line) become <c>[REDACTED:secret]</c>, and then every value and member name goes through
/// the gateway's own redactor (<see cref="JsonRedactor"/>: e-mail addresses, bearer tokens, JWTs, API-key shapes, PEM
/// private keys, card numbers), the one the connectors' bodies go through. Over <see cref="MaxBytes"/> bytes of UTF-8 the
/// text is cut by value, never by position (<see cref="ApprovalArgumentsCut"/>): long string values are shortened, each
/// ending in a marker with its full length, so that every member name at every depth stays shown; only when even the
/// names do not fit are members hidden, each container saying how many it hides, and <see cref="Truncated"/> says so.
/// The text always parses.
/// </summary>
/// <param name="Text">The redacted canonical JSON, its long values shortened when it was over <see cref="MaxBytes"/>.</param>
/// <param name="Truncated">True when members are hidden (<see cref="HiddenMembers"/>): approving approves what is not shown.</param>
public sealed record ApprovalArguments(string Text, bool Truncated)
{
    /// <summary>The most UTF-8 bytes of arguments an approval keeps (16 KiB).</summary>
    public const int MaxBytes = 16 * 1024;

    /// <summary>What stands for the value of a member whose name says it is a secret.</summary>
    public const string SecretReplacement = "[REDACTED:secret]";

    /// <summary>How many members and items the text hides (0 unless <see cref="Truncated"/>).</summary>
    public int HiddenMembers { get; init; }

    /// <summary>The redacted, size-capped arguments of <paramref name="arguments"/>; null when there are none.</summary>
    public static ApprovalArguments? Of(JsonElement arguments)
    {
        if (arguments.ValueKind == JsonValueKind.Undefined)
        {
            return null;
        }

        using var masked = JsonDocument.Parse(MaskSecretMembers(JsonNode.Parse(arguments.GetRawText()))?.ToJsonString() ?? "null");
        var canonical = new ArrayBufferWriter<byte>(256);
        new CanonicalJsonWriter(canonical).WriteElement(masked.RootElement);
        var redacted = JsonRedactor.Redact(canonical.WrittenSpan, new RedactionCounts());
        return redacted.Length <= MaxBytes
            ? new ApprovalArguments(Encoding.UTF8.GetString(redacted), Truncated: false)
            : ApprovalArgumentsCut.Within(redacted, MaxBytes);
    }

    private static JsonNode? MaskSecretMembers(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject members:
                foreach (var name in members.Select(static m => m.Key).ToList())
                {
                    if (SecretMaterialDetector.IsSensitiveMemberName(name, out var kind) && kind == SecretKind.CredentialMember && members[name] is JsonValue value && value.GetValueKind() == JsonValueKind.String)
                    {
                        members[name] = SecretReplacement;
                    }
                    else
                    {
                        MaskSecretMembers(members[name]);
                    }
                }

                break;
            case JsonArray items:
                foreach (var item in items)
                {
                    MaskSecretMembers(item);
                }

                break;
        }

        return node;
    }
}
