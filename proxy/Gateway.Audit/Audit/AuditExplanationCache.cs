using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gateway.Policy.Canonical;

namespace Gateway.Audit;

/// <summary>
/// Turns an entry's explanation (UTF-8 JSON as the agent was answered) into the one stored for it
/// (<see cref="AuditExplanation"/>: canonical JSON less the <c>intent_digest</c> member that equals the record's, and
/// its SHA-256), remembering the last few so that a repeated explanation is neither parsed nor canonicalised again.
/// </summary>
/// <remarks>
/// The explanation's bytes differ per request only in the record's intent digest, so the key is the bytes with the
/// first literal <c>"intent_digest":"&lt;the record's&gt;"</c> cut out, and where it was cut: two explanations with the
/// same key differ only in that digest, which the stored form leaves out. A key is kept only when that holds, checked
/// when it is first computed: the cut was the top-level member itself (not a nested one, not escaped), or, with nothing
/// cut, the explanation has no top-level <c>intent_digest</c> another digest could match. Lookups compare the key's
/// bytes exactly (the hash only picks the slot). Bounded: <see cref="Slots"/> slots, each overwritten by the next key
/// that hashes to it; explanations over <see cref="MaxCachedBytes"/> are not kept. Safe for concurrent use.
/// </remarks>
internal sealed class AuditExplanationCache
{
    /// <summary>How many explanations are kept (a power of two).</summary>
    public const int Slots = 128;

    /// <summary>Explanations larger than this are computed every time.</summary>
    public const int MaxCachedBytes = 64 * 1024;

    private static ReadOnlySpan<byte> IntentDigestName => "intent_digest"u8;

    private readonly Slot?[] _slots = new Slot?[Slots];

    /// <summary>The stored explanation of <paramref name="explanation"/> for a record whose intent digest is <paramref name="intentDigest"/>.</summary>
    /// <exception cref="JsonException">The explanation is not JSON.</exception>
    /// <exception cref="FormatException">It repeats a member name, or a string escapes a lone surrogate.</exception>
    public AuditExplanation Resolve(ReadOnlyMemory<byte> explanation, string? intentDigest)
    {
        var raw = explanation.Span;
        if (raw.Length > MaxCachedBytes)
        {
            return Compute(explanation, intentDigest);
        }

        var (cutAt, cutLength) = FindCut(raw, intentDigest);
        var prefix = cutAt < 0 ? raw : raw[..cutAt];
        var suffix = cutAt < 0 ? default : raw[(cutAt + cutLength)..];
        var hash = new HashCode();
        hash.AddBytes(prefix);
        hash.AddBytes(suffix);
        hash.Add(cutAt);
        var code = hash.ToHashCode();
        ref var slot = ref _slots[code & (Slots - 1)];
        var cached = Volatile.Read(ref slot);
        if (cached is not null && cached.Code == code && cached.CutAt == cutAt
            && cached.Key.Length == prefix.Length + suffix.Length
            && cached.Key.AsSpan(0, prefix.Length).SequenceEqual(prefix) && cached.Key.AsSpan(prefix.Length).SequenceEqual(suffix))
        {
            return cached.Explanation;
        }

        var (computed, keyable) = Compute(explanation, intentDigest, cutAt);
        if (keyable)
        {
            Volatile.Write(ref slot, new Slot(code, cutAt, [.. prefix, .. suffix], computed));
        }

        return computed;
    }

    /// <summary>The stored explanation, computed without the cache (see <see cref="Resolve"/>).</summary>
    public static AuditExplanation Compute(ReadOnlyMemory<byte> explanation, string? intentDigest) =>
        Compute(explanation, intentDigest, FindCut(explanation.Span, intentDigest).At).Explanation;

    // Parses, leaves out the top-level intent_digest equal to the record's, canonicalises and hashes; says whether
    // the key (the bytes less the cut at cutAt) determines the result whatever the record's digest.
    private static (AuditExplanation Explanation, bool Keyable) Compute(ReadOnlyMemory<byte> explanation, string? intentDigest, int cutAt)
    {
        var member = TopLevelIntentDigest(explanation.Span);
        var omit = member.Count == 1 && member.Value is { } value && intentDigest is not null && string.Equals(value, intentDigest, StringComparison.Ordinal);
        var keyable = cutAt >= 0
            ? omit && member.NameAt == cutAt && member.Plain
            : member.Count == 0 || (member.Count == 1 && member.Plain && !omit);

        using var document = JsonDocument.Parse(explanation);
        var buffer = new ArrayBufferWriter<byte>(Math.Max(256, explanation.Length));
        var writer = new CanonicalJsonWriter(buffer);
        if (omit)
        {
            writer.WriteObjectWithout(document.RootElement, IntentDigestName);
        }
        else
        {
            writer.WriteElement(document.RootElement);
        }

        var digest = Convert.ToHexStringLower(SHA256.HashData(buffer.WrittenSpan));
        return (new AuditExplanation(digest, buffer.WrittenSpan.ToArray()), keyable);
    }

    // Where the first literal "intent_digest":"<digest>" is, for a digest of plain characters (nothing JSON escapes).
    private static (int At, int Length) FindCut(ReadOnlySpan<byte> raw, string? intentDigest)
    {
        if (!IsPlain(intentDigest))
        {
            return (-1, 0);
        }

        // "intent_digest":" is 17 bytes: the digest follows the value's opening quote.
        var name = "\"intent_digest\":\""u8;
        Span<byte> literal = stackalloc byte[name.Length + intentDigest.Length + 1];
        name.CopyTo(literal);
        Encoding.ASCII.GetBytes(intentDigest, literal[name.Length..]);
        literal[^1] = (byte)'"';
        var at = raw.IndexOf(literal);
        return (at, at < 0 ? 0 : literal.Length);
    }

    // A digest the literal search can find: short printable ASCII that JSON never escapes.
    private static bool IsPlain([NotNullWhen(true)] string? digest) =>
        digest is { Length: <= 256 } && !digest.AsSpan().ContainsAnyExceptInRange(' ', (char)0x7e) && !digest.AsSpan().ContainsAny('"', '\\');

    // The top-level intent_digest members: how many, the first one's string value, where its name starts, and
    // whether it is written exactly as the literal search finds it ("intent_digest":"…", no escapes, no white space).
    private static (int Count, string? Value, long NameAt, bool Plain) TopLevelIntentDigest(ReadOnlySpan<byte> raw)
    {
        var reader = new Utf8JsonReader(raw, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        var count = 0;
        string? value = null;
        long nameAt = -1;
        var plain = false;
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != 1 || !reader.ValueTextEquals(IntentDigestName))
                {
                    continue;
                }

                var at = reader.TokenStartIndex;
                var nameEscaped = reader.ValueIsEscaped;
                reader.Read();
                if (count++ == 0)
                {
                    nameAt = at;
                    value = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                    plain = !nameEscaped && reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped
                        && reader.TokenStartIndex == at + 16 && IsPlain(value);
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON: the parse that follows refuses it.
        }

        return (count, value, nameAt, plain);
    }

    private sealed record Slot(int Code, int CutAt, byte[] Key, AuditExplanation Explanation);
}
