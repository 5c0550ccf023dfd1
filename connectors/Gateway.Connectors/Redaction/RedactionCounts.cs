namespace Gateway.Connectors.Redaction;

/// <summary>
/// How many values of each kind were redacted in one body or stream (for audit records and metrics).
/// Never holds the values it counted; it holds the spellings of the credential the gateway injected into the request
/// (<see cref="RedactCredential"/>), which every redactor counting here replaces wherever the answer echoes them.
/// Safe to read from another thread while a stream is being redacted.
/// </summary>
public sealed class RedactionCounts
{
    // Every kind, in ordinal order of its wire name (the order ToDictionary's pairs are in).
    private static readonly RedactionKind[] ByWireName = [.. RedactionKindNames.All.OrderBy(static k => k.ToWireName(), StringComparer.Ordinal)];

    private readonly int[] _counts = new int[RedactionKindNames.All.Count];

    /// <summary>The spellings of the credentials injected into the request (null for none).</summary>
    internal CredentialSpellings? Credential { get; private set; }

    /// <summary>
    /// From now on, <paramref name="secret"/> (the credential the gateway sends upstream) is redacted wherever the answer
    /// echoes it, as <see cref="RedactionKind.Credential"/>. Called before the request is sent.
    /// </summary>
    public void RedactCredential(Credentials.SecretValue secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        if (secret.Spellings is { } spellings)
        {
            Credential = spellings.With(Credential);
        }
    }

    /// <summary>New counts, empty, that redact the same credentials (for a redaction whose counts are added only if it succeeds).</summary>
    internal RedactionCounts Fresh() => new() { Credential = Credential };

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

    /// <summary>Non-zero counts keyed by wire name (<c>email</c>, <c>card_number</c>, …), enumerated in ordinal order of the names.</summary>
    public IReadOnlyDictionary<string, int> ToDictionary()
    {
        // Each count read once, so that the pairs agree with the number of them while a stream is still being redacted.
        Span<int> counts = stackalloc int[ByWireName.Length];
        var nonZero = 0;
        for (var i = 0; i < ByWireName.Length; i++)
        {
            counts[i] = this[ByWireName[i]];
            nonZero += counts[i] > 0 ? 1 : 0;
        }

        if (nonZero == 0)
        {
            return System.Collections.Immutable.ImmutableSortedDictionary<string, int>.Empty;
        }

        var pairs = new KeyValuePair<string, int>[nonZero];
        var at = 0;
        for (var i = 0; i < ByWireName.Length; i++)
        {
            if (counts[i] > 0)
            {
                pairs[at++] = KeyValuePair.Create(ByWireName[i].ToWireName(), counts[i]);
            }
        }

        return new SortedRedactionCounts(pairs);
    }

    /// <inheritdoc/>
    public override string ToString() => string.Join(", ", ToDictionary().Select(p => $"{p.Key}={p.Value}"));
}
