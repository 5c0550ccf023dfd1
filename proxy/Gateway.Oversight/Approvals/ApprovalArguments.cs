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
/// private keys, card numbers), the one the connectors' bodies go through. The text is cut at <see cref="MaxBytes"/>
/// bytes of UTF-8 (on a character boundary); it then does not parse, and <see cref="Truncated"/> says so.
/// </summary>
/// <param name="Text">The redacted canonical JSON (a prefix of it when <paramref name="Truncated"/>).</param>
/// <param name="Truncated">True when the text was cut at <see cref="MaxBytes"/>.</param>
public sealed record ApprovalArguments(string Text, bool Truncated)
{
    /// <summary>The most UTF-8 bytes of arguments an approval keeps (16 KiB).</summary>
    public const int MaxBytes = 16 * 1024;

    /// <summary>What stands for the value of a member whose name says it is a secret.</summary>
    public const string SecretReplacement = "[REDACTED:secret]";

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
        if (redacted.Length <= MaxBytes)
        {
            return new ApprovalArguments(Encoding.UTF8.GetString(redacted), Truncated: false);
        }

        // Never split a character: back up over continuation bytes (10xxxxxx) to the start of the one cut.
        var length = MaxBytes;
        while (length > 0 && (redacted[length] & 0xC0) == 0x80)
        {
            length--;
        }

        return new ApprovalArguments(Encoding.UTF8.GetString(redacted, 0, length), Truncated: true);
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
