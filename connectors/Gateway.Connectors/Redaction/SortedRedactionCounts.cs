using System.Diagnostics.CodeAnalysis;

namespace Gateway.Connectors.Redaction;

/// <summary>
/// The non-zero counts of a <see cref="RedactionCounts"/> by wire name, read once (<see cref="RedactionCounts.ToDictionary"/>):
/// one array of pairs in ordinal order of the names (at most one per <see cref="RedactionKind"/>), looked up by a scan,
/// enumerated in that order as a sorted dictionary would be. Never changes.
/// </summary>
internal sealed class SortedRedactionCounts(KeyValuePair<string, int>[] pairs) : IReadOnlyDictionary<string, int>
{
    public int Count => pairs.Length;

    public IEnumerable<string> Keys => pairs.Select(static p => p.Key);

    public IEnumerable<int> Values => pairs.Select(static p => p.Value);

    public int this[string key] => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"No redactions of '{key}'.");

    public bool ContainsKey(string key) => TryGetValue(key, out _);

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out int value)
    {
        ArgumentNullException.ThrowIfNull(key);
        foreach (var pair in pairs)
        {
            if (string.Equals(pair.Key, key, StringComparison.Ordinal))
            {
                value = pair.Value;
                return true;
            }
        }

        value = 0;
        return false;
    }

    public IEnumerator<KeyValuePair<string, int>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, int>>)pairs).GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
