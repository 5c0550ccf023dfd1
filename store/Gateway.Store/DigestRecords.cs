using System.Globalization;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Gateway.Store;

/// <summary>
/// The embedded store's nonces and decision-token records, held by a 128-bit digest of their key with their value as a
/// number: 32 bytes each in arrays of plain structs, indexed by 4-byte slots, instead of about 250 bytes as strings in
/// <c>_entries</c> (a gateway at 1,000 requests/s holds some 900,000 nonces and token records for their 605 and 305 s).
/// Only values that read back exactly are held here (<see cref="TryEncode"/>: a nonce's timestamp,
/// <see cref="TokenRecording.Issued"/>, <see cref="TokenRecording.Used"/>); anything else stays a plain entry.
/// Not thread-safe: used under the store's lock.
/// </summary>
internal sealed class DigestRecords
{
    private const long IssuedValue = long.MinValue;
    private const long UsedValue = long.MinValue + 1;

    // Records live in chunks of 16,384 (512 KiB) that are never moved once full, so that the table grows without copying
    // itself and without leaving arrays behind for the GC; only the first chunk grows, from a few records, by doubling.
    private const int ChunkShift = 14;

    /// <summary>The records in one chunk of the table: the most one step of a copy gives (<see cref="CopyLive"/>).</summary>
    internal const int ChunkLength = 1 << ChunkShift;
    private const int FirstChunkLength = 64;
    private const int MinimumSlots = 256;

    // A position not holding a record has this expiry; its value links the next free position.
    private const long Free = -1;

    // Expiries are swept a tenth of a second at a time: each slice lists the positions of the records that expire in it,
    // and the slices are queued soonest first (a listing whose record has since been rewritten, removed or replaced is
    // skipped: only a record that has expired is removed).
    private static readonly long SliceTicks = TimeSpan.TicksPerSecond / 10;

    private readonly List<Record[]> _chunks = [];
    private readonly Dictionary<long, List<int>> _slices = [];
    private readonly PriorityQueue<long, long> _sliceOrder = new();

    // Open addressing with linear probing, at most half full: a record's position + 1 by its home (Home); 0 is empty.
    private int[] _slots = new int[MinimumSlots];

    // The key of this table's slots: a digest is public (an agent chooses its nonces and knows its key's text), so its
    // slot is a keyed mix of it, or an agent could pick nonces that share a slot and make every probe under the lock long.
    private readonly ulong _slotKey = BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(sizeof(ulong)));
    private int _used;
    private int _firstFree = -1;

    // Copies under way (BeginCopy .. EndCopy): while there is one, no record moves (a sweep's packing waits).
    private int _copies;

    /// <summary>How many records are held, expired ones not yet swept included.</summary>
    public int Count { get; private set; }

    /// <summary>How many positions the table has handed out: its records and the free positions among them.</summary>
    internal int Positions => _used;

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
        if (Count > 0 && Find(digest, out var slot))
        {
            ref var record = ref At(_slots[slot] - 1);
            if (record.ExpiresTicks > now.UtcTicks)
            {
                value = record.Value;
                expiresAt = new DateTimeOffset(record.ExpiresTicks, TimeSpan.Zero);
                return true;
            }
        }

        value = 0;
        expiresAt = default;
        return false;
    }

    /// <summary>Holds a value until it expires.</summary>
    public void Put(UInt128 digest, long value, DateTimeOffset expiresAt)
    {
        var expiresTicks = expiresAt.UtcTicks;
        if (Find(digest, out var slot))
        {
            var held = _slots[slot] - 1;
            ref var record = ref At(held);
            if (record.ExpiresTicks != expiresTicks)
            {
                ListExpiry(held, expiresTicks);
            }

            record = new Record(digest, expiresTicks, value);
            return;
        }

        var position = Allocate();
        At(position) = new Record(digest, expiresTicks, value);
        _slots[slot] = position + 1;
        ListExpiry(position, expiresTicks);
        if (++Count * 2 > _slots.Length)
        {
            Reindex(_slots.Length * 2);
        }
    }

    /// <summary>Lets a record go (a key deleted or written as a plain entry); false when none was held.</summary>
    public bool Remove(UInt128 digest)
    {
        if (Count == 0 || !Find(digest, out var slot))
        {
            return false;
        }

        RemoveAt(slot);
        return true;
    }

    /// <summary>Removes what has expired, a slice at a time; gives back the room of a table mostly emptied.</summary>
    public void Sweep(DateTimeOffset now)
    {
        var ticks = now.UtcTicks;
        var swept = false;
        while (_sliceOrder.TryPeek(out var slice, out _) && slice * SliceTicks <= ticks)
        {
            _sliceOrder.Dequeue();
            _slices.Remove(slice, out var positions);
            foreach (var position in positions!)
            {
                ref var record = ref At(position);
                if (record.ExpiresTicks != Free && record.ExpiresTicks <= ticks && Find(record.Digest, out var slot))
                {
                    RemoveAt(slot);
                }
            }

            swept = true;
        }

        if (swept && _copies == 0 && _used > ChunkLength && Count < _used / 4)
        {
            Pack();
        }
    }

    /// <summary>
    /// Starts a copy of the records a chunk at a time (<see cref="CopyLive"/>, each step under the store's lock): until
    /// <see cref="EndCopy"/> no record moves, so each record live from the start to the end of the copy is copied once.
    /// </summary>
    public void BeginCopy() => _copies++;

    /// <summary>Ends a copy (a packing it held off comes with a later sweep).</summary>
    public void EndCopy() => _copies--;

    /// <summary>
    /// Copies the records live at <paramref name="now"/> from <paramref name="position"/> to the end of its chunk into
    /// <paramref name="into"/> (<see cref="ChunkLength"/> long); returns how many, <paramref name="position"/> moved to
    /// the next chunk, or -1 once the table's end is reached.
    /// </summary>
    public int CopyLive(ref int position, Record[] into, DateTimeOffset now)
    {
        var ticks = now.UtcTicks;
        var count = 0;
        var end = Math.Min(_used, (position | (ChunkLength - 1)) + 1);
        for (; position < end; position++)
        {
            ref var record = ref At(position);
            if (record.ExpiresTicks != Free && record.ExpiresTicks > ticks)
            {
                into[count++] = record;
            }
        }

        if (position >= _used)
        {
            position = -1;
        }

        return count;
    }

    private ref Record At(int position) => ref _chunks[position >> ChunkShift][position & (ChunkLength - 1)];

    // The slot that holds the digest (true), else the empty slot where it would go.
    private bool Find(UInt128 digest, out int slot)
    {
        var mask = _slots.Length - 1;
        slot = Home(digest, mask);
        while (_slots[slot] is var held and not 0)
        {
            if (At(held - 1).Digest == digest)
            {
                return true;
            }

            slot = (slot + 1) & mask;
        }

        return false;
    }

    /// <summary>How many slots <see cref="Find"/> looks at for <paramref name="digest"/> (the length of its probe).</summary>
    internal int Probes(UInt128 digest)
    {
        var mask = _slots.Length - 1;
        var probes = 1;
        for (var slot = Home(digest, mask); _slots[slot] is var held and not 0 && At(held - 1).Digest != digest; slot = (slot + 1) & mask)
        {
            probes++;
        }

        return probes;
    }

    // The slot a digest's probe starts from: both halves mixed under the table's key (splitmix64's finaliser).
    private int Home(UInt128 digest, int mask) => (int)(Mix((ulong)(digest >> 64) ^ Mix((ulong)digest ^ _slotKey)) & (ulong)mask);

    private static ulong Mix(ulong x)
    {
        x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9UL;
        x = (x ^ (x >> 27)) * 0x94d049bb133111ebUL;
        return x ^ (x >> 31);
    }

    // A free position, else the next one past those handed out (a chunk added, or the first one grown, when needed).
    private int Allocate()
    {
        if (_firstFree >= 0)
        {
            var position = _firstFree;
            _firstFree = (int)At(position).Value;
            return position;
        }

        if (_chunks.Count == 0)
        {
            _chunks.Add(new Record[FirstChunkLength]);
        }
        else if (_used == _chunks[0].Length && _used < ChunkLength)
        {
            var first = _chunks[0];
            Array.Resize(ref first, first.Length * 2);
            _chunks[0] = first;
        }
        else if (_used == _chunks.Count << ChunkShift)
        {
            _chunks.Add(new Record[ChunkLength]);
        }

        return _used++;
    }

    // Empties the slot and frees its record's position; the slots after it in the run move back to close the gap.
    private void RemoveAt(int slot)
    {
        var position = _slots[slot] - 1;
        At(position) = new Record(default, Free, _firstFree);
        _firstFree = position;
        Count--;

        var mask = _slots.Length - 1;
        var hole = slot;
        for (var next = (slot + 1) & mask; _slots[next] is var held and not 0; next = (next + 1) & mask)
        {
            // A slot may move back to the hole unless the hole lies before the slot its digest starts probing from.
            var home = Home(At(held - 1).Digest, mask);
            if (((next - home) & mask) >= ((next - hole) & mask))
            {
                _slots[hole] = held;
                hole = next;
            }
        }

        _slots[hole] = 0;
    }

    private void ListExpiry(int position, long expiresTicks)
    {
        // The slice that ends at or after the expiry: swept once it has passed, when every record in it has expired.
        var slice = (expiresTicks + SliceTicks - 1) / SliceTicks;
        ref var listed = ref CollectionsMarshal.GetValueRefOrAddDefault(_slices, slice, out var exists);
        if (!exists)
        {
            listed = [];
            _sliceOrder.Enqueue(slice, slice);
        }

        listed!.Add(position);
    }

    private void Reindex(int length)
    {
        _slots = new int[length];
        for (var position = 0; position < _used; position++)
        {
            if (At(position).ExpiresTicks != Free)
            {
                Find(At(position).Digest, out var slot);
                _slots[slot] = position + 1;
            }
        }
    }

    // Moves the records to the front of the table and lets the emptied chunks go: after a burst the table shrinks back.
    private void Pack()
    {
        var records = new List<Record>(Count);
        for (var position = 0; position < _used; position++)
        {
            if (At(position).ExpiresTicks != Free)
            {
                records.Add(At(position));
            }
        }

        _chunks.Clear();
        _slices.Clear();
        _sliceOrder.Clear();
        _used = 0;
        _firstFree = -1;
        foreach (var record in records)
        {
            var position = Allocate();
            At(position) = record;
            ListExpiry(position, record.ExpiresTicks);
        }

        var slots = MinimumSlots;
        while (slots < 2 * Count)
        {
            slots *= 2;
        }

        Reindex(slots);
    }

    // 32 bytes: the digest as two 8-byte halves (UInt128 would pad the struct to 48), the expiry and the value.
    internal readonly struct Record(UInt128 digest, long expiresTicks, long value)
    {
        private readonly ulong _low = (ulong)digest;
        private readonly ulong _high = (ulong)(digest >> 64);

        public UInt128 Digest => new(_high, _low);

        public long ExpiresTicks { get; } = expiresTicks;

        public long Value { get; } = value;
    }
}
