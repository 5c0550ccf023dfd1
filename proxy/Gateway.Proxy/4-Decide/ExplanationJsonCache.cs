using System.Text.Json;
using Gateway.Policy;
using Gateway.Policy.Serialization;

namespace Gateway.Proxy.Decide;

/// <summary>
/// The serialised explanations of recent decisions (issue #52): an agent repeating an action (the same intent under the
/// same policy) gets an explanation equal to the last one's, and is handed the same UTF-8 rather than a new array of
/// 1.5–3.5 KB. The bytes outlive the request (the response and the audit record read them, the audit writer later),
/// so they are shared read-only, never pooled. Bounded: one entry per slot, chosen by the intent digest; a different
/// explanation in the slot is replaced.
/// </summary>
internal sealed class ExplanationJsonCache
{
    // A few hundred recent intents: about 1 MB at most.
    private const int Slots = 256;

    private readonly Entry?[] _slots = new Entry?[Slots];

    /// <summary><paramref name="explanation"/> as its agent-protocol JSON, equal byte for byte to serialising it now.</summary>
    public ReadOnlyMemory<byte> Serialize(Explanation explanation)
    {
        ArgumentNullException.ThrowIfNull(explanation);
        ref var slot = ref _slots[(uint)string.GetHashCode(explanation.IntentDigest, StringComparison.Ordinal) % Slots];

        // Entries are immutable: a reader sees either the old one or the new one whole.
        if (Volatile.Read(ref slot) is { } cached && cached.Explanation.WritesSameJson(explanation))
        {
            return cached.Json;
        }

        var json = JsonSerializer.SerializeToUtf8Bytes(explanation, PolicyJsonContext.Default.Explanation);
        Volatile.Write(ref slot, new Entry(explanation, json));
        return json;
    }

    private sealed record Entry(Explanation Explanation, byte[] Json);
}
