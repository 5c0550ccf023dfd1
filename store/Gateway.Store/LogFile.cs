using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;
using System.Text;

namespace Gateway.Store;

/// <summary>
/// A log's sealed entries in a file of their own (<c>logs/{id}.log</c> beside the embedded store's journal), framed as the
/// journal's records (<c>[length:int32][crc32:uint32][UTF-8 entry]</c>), appended and fsynced by the store's log sealing
/// (one writer), read by position through a sparse index of every <see cref="Stride"/>th entry's offset built as reads
/// need it. Only the first bytes a <see cref="LogSeal"/> names are ever read; anything after them is not yet sealed.
/// </summary>
internal sealed class LogFile : IDisposable
{
    /// <summary>The file name suffix of a log file.</summary>
    public const string Suffix = ".log";

    private const int Stride = 64;
    private const int HeaderBytes = 8;
    private const int ChunkBytes = 64 * 1024;

    private readonly FileStream _file;
    private readonly Lock _index = new();

    // The offset of every Stride-th entry, from the file's start; how many entries the index has passed, and where the next starts.
    private readonly List<long> _offsets = [0];
    private long _indexedCount;
    private long _indexedBytes;

    private LogFile(long id, FileStream file, long bytes)
    {
        Id = id;
        _file = file;
        Bytes = bytes;
    }

    /// <summary>The file's number, named by the log's seal.</summary>
    public long Id { get; }

    /// <summary>The bytes written and fsynced (the seal's bytes once the store records them).</summary>
    public long Bytes { get; private set; }

    /// <summary>The path of log file <paramref name="id"/> in <paramref name="directory"/>.</summary>
    public static string PathOf(string directory, long id) =>
        Path.Combine(directory, id.ToString(CultureInfo.InvariantCulture) + Suffix);

    /// <summary>The number of a log file's name, when it is one.</summary>
    public static bool TryParseId(string fileName, out long id)
    {
        id = 0;
        return fileName.EndsWith(Suffix, StringComparison.Ordinal)
            && long.TryParse(fileName.AsSpan(0, fileName.Length - Suffix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out id);
    }

    /// <summary>A new, empty log file (its directory entry is made durable by the caller before a seal names it).</summary>
    public static LogFile Create(string directory, long id) =>
        new(id, PrivateFiles.Open(PathOf(directory, id), FileMode.Create, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0), 0);

    /// <summary>
    /// The log file a seal names, cut back to the seal's <paramref name="bytes"/> (what follows was written by a sealing
    /// that did not finish: its entries are still in the journal).
    /// </summary>
    /// <exception cref="StateStoreUnavailableException">The file is missing or shorter than the seal says.</exception>
    public static LogFile Open(string directory, long id, long bytes)
    {
        var path = PathOf(directory, id);
        FileStream file;
        try
        {
            file = PrivateFiles.Open(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0);
        }
        catch (FileNotFoundException exception)
        {
            throw new StateStoreUnavailableException($"The embedded store's log file {path} is missing.", exception);
        }

        if (file.Length < bytes)
        {
            var length = file.Length;
            file.Dispose();
            throw new StateStoreUnavailableException($"The embedded store's log file {path} holds {length} bytes; its journal says {bytes}.");
        }

        if (file.Length > bytes)
        {
            file.SetLength(bytes);
            file.Flush(flushToDisk: true);
        }

        return new LogFile(id, file, bytes);
    }

    /// <summary>Writes <paramref name="entries"/> after the file's sealed bytes and fsyncs them; the file's length after them.</summary>
    /// <exception cref="IOException">The write or fsync failed (nothing is counted as written; the next append overwrites it).</exception>
    public long Append(IReadOnlyList<byte[]> entries)
    {
        // Written a chunk at a time, below the large-object heap's threshold: a seal's megabytes never sit in memory whole.
        var buffer = new ArrayBufferWriter<byte>(ChunkBytes);
        var end = Bytes;
        foreach (var entry in entries)
        {
            var length = entry.Length;
            if (buffer.WrittenCount > 0 && buffer.FreeCapacity < HeaderBytes + length)
            {
                end = Write(buffer, end);
            }

            var span = buffer.GetSpan(HeaderBytes + length);
            entry.CopyTo(span[HeaderBytes..]);
            BinaryPrimitives.WriteInt32LittleEndian(span, length);
            BinaryPrimitives.WriteUInt32LittleEndian(span[4..], Crc32.HashToUInt32(span.Slice(HeaderBytes, length)));
            buffer.Advance(HeaderBytes + length);
        }

        end = Write(buffer, end);
        _file.Flush(flushToDisk: true);
        Bytes = end;
        return Bytes;
    }

    // The buffered entries written at the offset; the offset after them.
    private long Write(ArrayBufferWriter<byte> buffer, long offset)
    {
        RandomAccess.Write(_file.SafeFileHandle, buffer.WrittenSpan, offset);
        offset += buffer.WrittenCount;
        buffer.ResetWrittenCount();
        return offset;
    }

    /// <summary>Entries <paramref name="start"/> to <paramref name="start"/> + <paramref name="count"/> of the first <paramref name="sealedCount"/> (<paramref name="sealedBytes"/> bytes).</summary>
    /// <exception cref="StateStoreUnavailableException">The file does not hold the entries its seal says.</exception>
    public List<string> Read(long start, int count, long sealedCount, long sealedBytes)
    {
        var entries = new List<string>(Math.Min(count, 1024));
        var end = Math.Min(start + count, sealedCount);
        if (start >= end)
        {
            return entries;
        }

        long index;
        long offset;
        lock (_index)
        {
            Index(start, sealedBytes);
            index = start / Stride * Stride;
            offset = _offsets[(int)(start / Stride)];
        }

        // From the indexed entry at or before start, skipping to start and taking to end.
        Scan(offset, sealedBytes, (at, payload) =>
        {
            if (index >= start)
            {
                entries.Add(Encoding.UTF8.GetString(payload));
            }

            return ++index < end;
        });
        if (index < end)
        {
            throw Short();
        }

        return entries;
    }

    /// <summary>
    /// A new log file <paramref name="id"/> holding this one's sealed entries from entry <paramref name="start"/> of
    /// <paramref name="sealedCount"/> (<paramref name="sealedBytes"/> bytes), fsynced (its directory entry is the caller's).
    /// </summary>
    public LogFile CopyFrom(string directory, long id, long start, long sealedCount, long sealedBytes)
    {
        var from = sealedBytes;
        if (start < sealedCount)
        {
            lock (_index)
            {
                Index(start, sealedBytes);
                from = _offsets[(int)(start / Stride)];
            }

            var index = start / Stride * Stride;
            Scan(from, sealedBytes, (at, _) =>
            {
                from = at;
                return index++ < start;
            });
        }

        var copy = Create(directory, id);
        try
        {
            var chunk = new byte[ChunkBytes];
            for (var offset = from; offset < sealedBytes;)
            {
                var read = RandomAccess.Read(_file.SafeFileHandle, chunk.AsSpan(0, (int)Math.Min(chunk.Length, sealedBytes - offset)), offset);
                if (read == 0)
                {
                    throw Short();
                }

                RandomAccess.Write(copy._file.SafeFileHandle, chunk.AsSpan(0, read), copy.Bytes);
                copy.Bytes += read;
                offset += read;
            }

            copy._file.Flush(flushToDisk: true);
            return copy;
        }
        catch
        {
            copy.Dispose();
            File.Delete(PathOf(directory, id));
            throw;
        }
    }

    /// <summary>Closes the file and deletes it.</summary>
    public void Delete()
    {
        _file.Dispose();
        File.Delete(_file.Name);
    }

    public void Dispose() => _file.Dispose();

    // Under the index lock: extends the index past entry `entry` (the file holds it: it is sealed).
    private void Index(long entry, long sealedBytes)
    {
        if (_indexedCount > entry)
        {
            return;
        }

        Scan(_indexedBytes, sealedBytes, (at, payload) =>
        {
            if (_indexedCount % Stride == 0 && _indexedCount / Stride == _offsets.Count)
            {
                _offsets.Add(at);
            }

            _indexedCount++;
            _indexedBytes = at + HeaderBytes + payload.Length;
            return _indexedCount <= entry;
        });
        if (_indexedCount <= entry)
        {
            throw Short();
        }
    }

    // Hands each whole entry from `offset` (up to `limit` bytes) to `visit` with its offset, while visit answers true.
    private void Scan(long offset, long limit, Func<long, ReadOnlySpan<byte>, bool> visit)
    {
        var chunk = new byte[ChunkBytes];
        while (offset < limit)
        {
            var read = RandomAccess.Read(_file.SafeFileHandle, chunk.AsSpan(0, (int)Math.Min(chunk.Length, limit - offset)), offset);
            if (read < HeaderBytes)
            {
                throw Short();
            }

            var at = 0;
            while (read - at >= HeaderBytes)
            {
                var span = chunk.AsSpan(at, read - at);
                var length = BinaryPrimitives.ReadInt32LittleEndian(span);
                if (length < 0 || offset + at + HeaderBytes + length > limit)
                {
                    throw Short();
                }

                if (HeaderBytes + length > span.Length)
                {
                    break;
                }

                var payload = span.Slice(HeaderBytes, length);
                if (Crc32.HashToUInt32(payload) != BinaryPrimitives.ReadUInt32LittleEndian(span[4..]))
                {
                    throw new StateStoreUnavailableException($"The embedded store's log file {_file.Name} is corrupt at byte {offset + at}.");
                }

                if (!visit(offset + at, payload))
                {
                    return;
                }

                at += HeaderBytes + length;
            }

            if (at == 0)
            {
                // One entry longer than the chunk: read it whole.
                chunk = new byte[Math.Max(chunk.Length * 2, HeaderBytes + BinaryPrimitives.ReadInt32LittleEndian(chunk))];
            }

            offset += at;
        }
    }

    private StateStoreUnavailableException Short() =>
        new($"The embedded store's log file {_file.Name} holds fewer entries than its journal says.");
}
