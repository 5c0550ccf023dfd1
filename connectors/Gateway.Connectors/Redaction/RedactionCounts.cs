namespace Gateway.Connectors.Redaction;

/// <summary>
/// How many values of each kind were redacted in one body or stream (for audit records and metrics).
/// Never holds the values. Safe to read from another thread while a stream is being redacted.
/// </summary>
public sealed class RedactionCounts
{
    private readonly int[] _counts = new int[RedactionKindNames.All.Count];

    /// <summary>Total redactions of every kind.</summary>
    public int Total => _counts.Sum(c => Volatile.Read(ref c));

    /// <summary>Count of one kind.</summary>
    public int this[RedactionKind kind] => Volatile.Read(ref _counts[(int)kind]);

    /// <summary>Adds one redaction of <paramref name="kind"/>.</summary>
    public void Add(RedactionKind kind) => Interlocked.Increment(ref _counts[(int)kind]);

    /// <summary>Adds every count of <paramref name="other"/>.</summary>
    public void Add(RedactionCounts other)
    {
        ArgumentNullException.ThrowIfNull(other);
        for (var i = 0; i < _counts.Length; i++)
        {
            Interlocked.Add(ref _counts[i], other._counts[i]);
        }
    }

    /// <summary>Non-zero counts keyed by wire name (<c>email</c>, <c>card_number</c>, …).</summary>
    public IReadOnlyDictionary<string, int> ToDictionary()
    {
        SortedDictionary<string, int>? result = null;
        for (var i = 0; i < _counts.Length; i++)
        {
            var kind = (RedactionKind)i;
            if (this[kind] is > 0 and var count)
            {
                (result ??= new SortedDictionary<string, int>(StringComparer.Ordinal))[kind.ToWireName()] = count;
            }
        }

        return result ?? (IReadOnlyDictionary<string, int>)System.Collections.Immutable.ImmutableSortedDictionary<string, int>.Empty;
    }

    /// <inheritdoc/>
    public override string ToString() => string.Join(", ", ToDictionary().Select(p => $"{p.Key}={p.Value}"));
}
