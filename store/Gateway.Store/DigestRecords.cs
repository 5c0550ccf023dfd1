using System.Globalization;
using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace Gateway.Store;

/// <summary>
/// The embedded store's nonces and decision-token records, held by a 128-bit digest of their key with their value as a
/// number: about 70 bytes each instead of about 250 as strings in <c>_entries</c>, and nothing the GC has to trace (a
/// gateway at 1,000 requests/s holds some 600,000 nonces for their 605 s). Only values that read back exactly are held
/// here (<see cref="TryEncode"/>: a nonce's timestamp, <see cref="TokenRecording.Issued"/>, <see cref="TokenRecording.Used"/>);
/// anything else stays a plain entry. Not thread-safe: used under the store's lock.
/// </summary>
internal sealed class DigestRecords
{
    private const long IssuedValue = long.MinValue;
    private const long UsedValue = long.MinValue + 1;

    // Expiries are swept a tenth of a second at a time: each slice lists the records that expire in it, and the slices
    // are queued soonest first (a record rewritten with another expiry is listed again; the stale item is skipped).
    private static readonly long SliceTicks = TimeSpan.TicksPerSecond / 10;

    private readonly Dictionary<Key, Record> _records = [];
    private readonly Dictionary<long, List<Key>> _slices = [];
    private readonly PriorityQueue<long, long> _sliceOrder = new();

    /// <summary>How many records are held, expired ones not yet swept included.</summary>
    public int Count => _records.Count;

    /// <summary>The digest a key is held under (stable across restarts: the journal names records by it).</summary>
    public static UInt128 Of(string key) => XxHash128.HashToUInt128(MemoryMarshal.AsBytes(key.AsSpan()));

    /// <summary>The value as a number, when it is one this table can give back exactly.</summary>
    public static bool TryEncode(string text, out long value)
    {
        switch (text)
        {
            case TokenRecording.Issued:
                value = IssuedValue;
                return true;
            case TokenRecording.Used:
                value = UsedValue;
                return true;
        }

        // A decimal with no sign, leading zero or separator: what the gateway writes as a nonce's timestamp.
        value = 0;
        return text.Length is > 0 and <= 18 && (text.Length == 1 || text[0] != '0')
            && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>The text a value stands for.</summary>
    public static string Decode(long value) => value switch
    {
        IssuedValue => TokenRecording.Issued,
        UsedValue => TokenRecording.Used,
        _ => value.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>The record's value and expiry when it is live.</summary>
    public bool TryGetLive(UInt128 digest, DateTimeOffset now, out long value, out DateTimeOffset expiresAt)
    {
        if (_records.TryGetValue(new Key(digest), out var record) && record.ExpiresTicks > now.UtcTicks)
        {
            value = record.Value;
            expiresAt = new DateTimeOffset(record.ExpiresTicks, TimeSpan.Zero);
            return true;
        }

        value = 0;
        expiresAt = default;
        return false;
    }

    /// <summary>Holds a value until it expires.</summary>
    public void Put(UInt128 digest, long value, DateTimeOffset expiresAt)
    {
        var key = new Key(digest);
        ref var record = ref CollectionsMarshal.GetValueRefOrAddDefault(_records, key, out var existed);
        if (!existed || record.ExpiresTicks != expiresAt.UtcTicks)
        {
            // The slice that ends at or after the expiry: swept once it has passed, when every record in it has expired.
            var slice = (expiresAt.UtcTicks + SliceTicks - 1) / SliceTicks;
            ref var listed = ref CollectionsMarshal.GetValueRefOrAddDefault(_slices, slice, out var sliceExists);
            if (!sliceExists)
            {
                listed = [];
                _sliceOrder.Enqueue(slice, slice);
            }

            listed!.Add(key);
        }

        record = new Record(expiresAt.UtcTicks, value);
    }

    /// <summary>Lets a record go (a key deleted or written as a plain entry); false when none was held.</summary>
    public bool Remove(UInt128 digest) => _records.Remove(new Key(digest));

    /// <summary>Removes what has expired, a slice at a time.</summary>
    public void Sweep(DateTimeOffset now)
    {
        var ticks = now.UtcTicks;
        while (_sliceOrder.TryPeek(out var slice, out _) && slice * SliceTicks <= ticks)
        {
            _sliceOrder.Dequeue();
            _slices.Remove(slice, out var keys);
            foreach (var key in keys!)
            {
                if (_records.TryGetValue(key, out var record) && record.ExpiresTicks <= ticks)
                {
                    _records.Remove(key);
                }
            }
        }
    }

    /// <summary>The live records, copied (under the store's lock) for a rewrite of the journal to restate.</summary>
    public List<(UInt128 Digest, long Value, long ExpiresTicks)> Live(DateTimeOffset now)
    {
        var live = new List<(UInt128, long, long)>(_records.Count);
        foreach (var (key, record) in _records)
        {
            if (record.ExpiresTicks > now.UtcTicks)
            {
                live.Add((key.ToUInt128(), record.Value, record.ExpiresTicks));
            }
        }

        return live;
    }

    // A digest as two halves: 8-byte aligned, so that a record takes 40 bytes in the table, not UInt128's padded 48.
    private readonly struct Key(UInt128 digest) : IEquatable<Key>
    {
        private readonly ulong _low = (ulong)digest;
        private readonly ulong _high = (ulong)(digest >> 64);

        public UInt128 ToUInt128() => new(_high, _low);

        public bool Equals(Key other) => _low == other._low && _high == other._high;

        public override bool Equals(object? obj) => obj is Key other && Equals(other);

        // The digest's bits are uniform already.
        public override int GetHashCode() => (int)_low;
    }

    private readonly record struct Record(long ExpiresTicks, long Value);
}
