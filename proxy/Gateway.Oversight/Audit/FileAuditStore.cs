using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Gateway.Oversight.Options;
using Gateway.Store;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Oversight.Audit;

/// <summary>
/// The embedded journal: one append-only JSON-lines file per partition
/// (<c>{tenant}@{replica}.audit.jsonl</c>) for a single gateway process. A group of lines is written
/// and flushed to disk with one fsync before the append returns. At start the tip of every file is
/// recovered; a torn last line (a crash mid-write, never acknowledged) is cut off and logged. Once the
/// directory or a chain's file has existed, it is never silently recreated: if it vanishes, appends
/// fail (and the readiness probe fails) until it is restored, with no restart. A group that cannot be
/// written (a full file system, an I/O error) is cut off again, its append fails, and the readiness
/// probe stays unready until a probe write of the same size with fsync succeeds in the directory
/// (space has returned); appends then resume, with no restart.
/// Retention (<see cref="IAuditRetirement"/>) rewrites a chain's file without its retired prefix, starting
/// with the anchor line (<see cref="AuditAnchorLine"/>) that the first kept record links to: the new file is
/// written beside the old one, fsynced, renamed over it and the directory fsynced, so a crash leaves either
/// the old file or the new one, never a half.
/// </summary>
public sealed class FileAuditStore : IAuditStore, IAuditRetirement, IDisposable
{
    /// <summary>The file name suffix of a partition's journal.</summary>
    public const string FileSuffix = ".audit.jsonl";

    /// <summary>Separates the tenant from the replica in a file name (never part of either).</summary>
    public const char ReplicaSeparator = '@';

    private const string ProbeFilePrefix = ".write-probe-";

    // A chain's file being rewritten by retention (left behind only by a crash before its rename).
    private const string RetiringSuffix = ".retiring";
    private const int MinimumProbeBytes = 4096;

    private readonly string _directory;
    private readonly ILogger<FileAuditStore> _logger;
    private readonly ConcurrentDictionary<AuditPartition, PartitionFile> _files = new();
    private volatile bool _directoryExisted;

    // The size of the last group whose write failed (0: none failed since the last successful probe or append).
    private int _failedGroupBytes;

    public FileAuditStore(IOptions<OversightOptions> options, ILogger<FileAuditStore> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _directory = Path.GetFullPath(options.Value.Audit.Directory);
        _logger = logger;
    }

    /// <summary>The directory holding the journal files.</summary>
    public string DirectoryPath => _directory;

    /// <summary>The file of a partition.</summary>
    public string PathOf(AuditPartition partition) => Path.Combine(_directory, $"{partition.Tenant}{ReplicaSeparator}{partition.Replica}{FileSuffix}");

    /// <summary>Creates the directory when missing and recovers the tip of every partition file present (called at start-up).</summary>
    public async ValueTask RecoverAllAsync(CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(_directory);
        _directoryExisted = true;
        foreach (var stale in Directory.EnumerateFiles(_directory, "*" + FileSuffix + RetiringSuffix))
        {
            File.Delete(stale);
        }

        foreach (var path in Directory.EnumerateFiles(_directory, "*" + FileSuffix))
        {
            if (TryParse(Path.GetFileName(path), out var partition))
            {
                await GetTipAsync(partition, cancellationToken);
            }
        }
    }

    public async ValueTask<AuditTip> GetTipAsync(AuditPartition partition, CancellationToken cancellationToken = default)
    {
        var file = _files.GetOrAdd(partition, p => new PartitionFile(PathOf(p)));
        await file.Gate.WaitAsync(cancellationToken);
        try
        {
            EnsureOpen(partition, file);
            return new AuditTip(file.Length, file.LastHash);
        }
        finally
        {
            file.Gate.Release();
        }
    }

    public async ValueTask<bool> TryAppendAsync(AuditPartition partition, long expectedLength, IReadOnlyList<byte[]> lines, string lastHash, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentOutOfRangeException.ThrowIfZero(lines.Count);
        var size = 0;
        foreach (var line in lines)
        {
            if (line.AsSpan().Contains((byte)'\n'))
            {
                throw new ArgumentException("A journal line must not contain a newline.", nameof(lines));
            }

            size += line.Length + 1;
        }

        var file = _files.GetOrAdd(partition, p => new PartitionFile(PathOf(p)));
        await file.Gate.WaitAsync(cancellationToken);
        try
        {
            EnsureOpen(partition, file);
            if (file.Length != expectedLength)
            {
                return false;
            }

            if (!File.Exists(file.Path))
            {
                Close(file);
                throw new IOException($"The audit journal file {file.Path} vanished; appends resume once it is restored.");
            }

            var bytes = new byte[size];
            var at = 0;
            foreach (var line in lines)
            {
                line.CopyTo(bytes.AsSpan(at));
                at += line.Length;
                bytes[at++] = (byte)'\n';
            }

            var stream = file.Writer!;
            var before = stream.Length;
            try
            {
                stream.Seek(0, SeekOrigin.End);
                await stream.WriteAsync(bytes, CancellationToken.None);
                stream.Flush(flushToDisk: true);
            }
            catch (Exception ex)
            {
                if (ex is IOException)
                {
                    Volatile.Write(ref _failedGroupBytes, Math.Max(bytes.Length, MinimumProbeBytes));
                }

                // Never leave part of a group behind an acknowledged chain.
                try
                {
                    stream.SetLength(before);
                }
                finally
                {
                    Close(file);
                }

                throw;
            }

            file.Length += lines.Count;
            file.LastHash = lastHash;
            Volatile.Write(ref _failedGroupBytes, 0);
            return true;
        }
        finally
        {
            file.Gate.Release();
        }
    }

    public async IAsyncEnumerable<string> ReadAsync(AuditPartition partition, long start, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var file = _files.GetOrAdd(partition, p => new PartitionFile(PathOf(p)));
        FileStream stream;
        long records;
        bool anchored;
        await file.Gate.WaitAsync(cancellationToken);
        try
        {
            EnsureOpen(partition, file);
            records = file.Length - file.Anchor.Length;
            anchored = file.Anchor.Length > 0;

            // Opened under the gate: a retirement that replaces the file later leaves this reader on the one it opened.
            stream = new FileStream(file.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024, FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        finally
        {
            file.Gate.Release();
        }

        await using (stream.ConfigureAwait(false))
        {
            using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: false);
            if (anchored && await reader.ReadLineAsync(cancellationToken) is null)
            {
                yield break;
            }

            for (long index = 0; index < records; index++)
            {
                var line = await reader.ReadLineAsync(cancellationToken);
                if (line is null)
                {
                    yield break;
                }

                if (index >= start)
                {
                    yield return line;
                }
            }
        }
    }

    /// <summary>Genesis, or after retention the anchor line the partition's file starts with.</summary>
    public async ValueTask<AuditTip> GetAnchorAsync(AuditPartition partition, CancellationToken cancellationToken = default)
    {
        var file = _files.GetOrAdd(partition, p => new PartitionFile(PathOf(p)));
        await file.Gate.WaitAsync(cancellationToken);
        try
        {
            EnsureOpen(partition, file);
            return file.Anchor;
        }
        finally
        {
            file.Gate.Release();
        }
    }

    public ValueTask<IReadOnlyList<string>> ListTenantsAsync(CancellationToken cancellationToken = default)
    {
        var tenants = new SortedSet<string>(StringComparer.Ordinal);
        if (Directory.Exists(_directory))
        {
            foreach (var path in Directory.EnumerateFiles(_directory, "*" + FileSuffix))
            {
                if (TryParse(Path.GetFileName(path), out var partition))
                {
                    tenants.Add(partition.Tenant);
                }
            }
        }

        return ValueTask.FromResult<IReadOnlyList<string>>([.. tenants]);
    }

    /// <summary>
    /// Rewrites the partition's file as the anchor line of record <paramref name="throughSeq"/> followed by the
    /// records after it (written beside the file, fsynced, renamed over it, the directory fsynced); returns how
    /// many records went (0 when they already had). Refuses when the record at <paramref name="throughSeq"/>'s
    /// place does not carry that seq (a damaged chain is never anchored over; verify it first).
    /// </summary>
    public async ValueTask<long> RetireAsync(AuditPartition partition, long throughSeq, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(throughSeq, 1);
        var file = _files.GetOrAdd(partition, p => new PartitionFile(PathOf(p)));
        await file.Gate.WaitAsync(cancellationToken);
        try
        {
            EnsureOpen(partition, file);
            var anchor = file.Anchor;
            if (throughSeq <= anchor.Length)
            {
                return 0;
            }

            ArgumentOutOfRangeException.ThrowIfGreaterThan(throughSeq, file.Length);
            var retired = throughSeq - anchor.Length;
            var journal = file.Writer!;
            var (keepFrom, lastRetired) = FindCut(journal, (anchor.Length > 0 ? 1 : 0) + retired);
            var newAnchor = new AuditTip(throughSeq, HashOfRecord(lastRetired, throughSeq, file.Path));
            var rewritten = file.Path + RetiringSuffix;
            try
            {
                WriteRetired(journal, keepFrom, AuditAnchorLine.Write(partition, newAnchor), rewritten);
                File.Move(rewritten, file.Path, overwrite: true);
            }
            catch
            {
                if (File.Exists(rewritten))
                {
                    File.Delete(rewritten);
                }

                throw;
            }

            Close(file);
            Recover(partition, file);
            DurableRename.SyncDirectory(_directory);
            return retired;
        }
        finally
        {
            file.Gate.Release();
        }
    }

    // The byte offset after the first `lines` lines of the journal, and the last of those lines.
    private static (long KeepFrom, string LastLine) FindCut(FileStream journal, long lines)
    {
        var buffer = new byte[64 * 1024];
        long position = 0, seen = 0, lineStart = 0;
        journal.Seek(0, SeekOrigin.Begin);
        while (true)
        {
            var read = journal.Read(buffer, 0, buffer.Length);
            if (read == 0)
            {
                throw new InvalidDataException($"The audit journal file {journal.Name} holds fewer lines than its chain.");
            }

            for (var i = 0; i < read; i++)
            {
                if (buffer[i] != (byte)'\n')
                {
                    continue;
                }

                if (++seen == lines)
                {
                    var end = position + i;
                    var last = new byte[end - lineStart];
                    journal.Seek(lineStart, SeekOrigin.Begin);
                    journal.ReadExactly(last);
                    return (end + 1, Encoding.UTF8.GetString(last));
                }

                lineStart = position + i + 1;
            }

            position += read;
        }
    }

    private static string HashOfRecord(string line, long seq, string path)
    {
        using var document = JsonDocument.Parse(line);
        var root = document.RootElement;
        return root.ValueKind == JsonValueKind.Object
            && root.TryGetProperty("seq", out var recordSeq) && recordSeq.ValueKind == JsonValueKind.Number && recordSeq.TryGetInt64(out var value) && value == seq
            && root.TryGetProperty(AuditCanonicalJson.HashMember, out var hash) && hash.ValueKind == JsonValueKind.String
            ? hash.GetString()!
            : throw new InvalidDataException($"The audit journal file {path} does not hold record {seq} where its chain puts it; nothing retired (run audit verify).");
    }

    // Writes the anchor line and the kept records to `path` and fsyncs it.
    private static void WriteRetired(FileStream journal, long keepFrom, string anchorLine, string path)
    {
        using var output = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024, FileOptions.None);
        output.Write(Encoding.UTF8.GetBytes(anchorLine + "\n"));
        journal.Seek(keepFrom, SeekOrigin.Begin);
        journal.CopyTo(output);
        output.Flush(flushToDisk: true);
    }

    public ValueTask<IReadOnlyList<string>> ListReplicasAsync(string tenant, CancellationToken cancellationToken = default)
    {
        Identifiers.ThrowIfInvalidTenant(tenant);
        var replicas = new SortedSet<string>(StringComparer.Ordinal);
        if (Directory.Exists(_directory))
        {
            foreach (var path in Directory.EnumerateFiles(_directory, tenant + ReplicaSeparator + "*" + FileSuffix))
            {
                if (TryParse(Path.GetFileName(path), out var partition) && partition.Tenant == tenant)
                {
                    replicas.Add(partition.Replica);
                }
            }
        }

        return ValueTask.FromResult<IReadOnlyList<string>>([.. replicas]);
    }

    public ValueTask ProbeAsync(CancellationToken cancellationToken = default)
    {
        if (_directoryExisted && !Directory.Exists(_directory))
        {
            throw new DirectoryNotFoundException($"The audit journal directory {_directory} is gone.");
        }

        foreach (var file in _files.Values)
        {
            if (file.Length > 0 && !File.Exists(file.Path))
            {
                throw new FileNotFoundException("An audit journal file is gone.", file.Path);
            }
        }

        if (Volatile.Read(ref _failedGroupBytes) is > 0 and var size)
        {
            ProbeWrite(size);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// After a failed group write: writes and fsyncs a scratch file as large as that group in the journal
    /// directory and deletes it. Throws (unready) while the file system still cannot take it.
    /// </summary>
    private void ProbeWrite(int size)
    {
        var path = Path.Combine(_directory, ProbeFilePrefix + Guid.NewGuid().ToString("N"));
        try
        {
            using (var probe = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.None))
            {
                probe.Write(new byte[size]);
                probe.Flush(flushToDisk: true);
            }

            Volatile.Write(ref _failedGroupBytes, 0);
        }
        catch (IOException ex)
        {
            throw new IOException($"The audit journal directory {_directory} cannot take a group of {size} bytes (file system full?).", ex);
        }
        finally
        {
            File.Delete(path);
        }
    }

    public void Dispose()
    {
        foreach (var file in _files.Values)
        {
            Close(file);
            file.Gate.Dispose();
        }

        _files.Clear();
    }

    private static bool TryParse(string fileName, out AuditPartition partition)
    {
        partition = default;
        if (!fileName.EndsWith(FileSuffix, StringComparison.Ordinal))
        {
            return false;
        }

        var name = fileName[..^FileSuffix.Length];
        var separator = name.LastIndexOf(ReplicaSeparator);
        if (separator <= 0)
        {
            return false;
        }

        partition = new AuditPartition(name[..separator], name[(separator + 1)..]);
        return Identifiers.IsValidTenant(partition.Tenant) && AuditPartition.IsValidReplica(partition.Replica);
    }

    private static void Close(PartitionFile file)
    {
        file.Writer?.Dispose();
        file.Writer = null;
    }

    // Called under the file's gate.
    private void EnsureOpen(AuditPartition partition, PartitionFile file)
    {
        if (file.Writer is not null)
        {
            return;
        }

        Identifiers.ThrowIfInvalidTenant(partition.Tenant);
        if (!Directory.Exists(_directory))
        {
            if (_directoryExisted)
            {
                throw new DirectoryNotFoundException($"The audit journal directory {_directory} is gone; appends resume once it is restored.");
            }

            Directory.CreateDirectory(_directory);
        }

        _directoryExisted = true;
        if (file.Length > 0 && !File.Exists(file.Path))
        {
            throw new FileNotFoundException("The audit journal file of a chain with records is gone; appends resume once it is restored.", file.Path);
        }

        Recover(partition, file);
    }

    private void Recover(AuditPartition partition, PartitionFile file)
    {
        var stream = new FileStream(file.Path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete, 1, FileOptions.None);
        try
        {
            var length = stream.Length;
            var (complete, lines, lastLineStart, firstLineEnd) = Scan(stream, length);
            if (complete != length)
            {
                OversightLog.AuditTornTail(_logger, partition.ToString(), length - complete);
                stream.SetLength(complete);
                stream.Flush(flushToDisk: true);
            }

            var lastHash = AuditCanonicalJson.GenesisHash;
            var anchor = AuditTip.Genesis;
            if (lines > 0)
            {
                var first = new byte[firstLineEnd];
                stream.Seek(0, SeekOrigin.Begin);
                stream.ReadExactly(first);
                if (AuditAnchorLine.TryRead(Encoding.UTF8.GetString(first), partition, out var stored))
                {
                    anchor = stored;
                }

                var buffer = new byte[complete - 1 - lastLineStart];
                stream.Seek(lastLineStart, SeekOrigin.Begin);
                stream.ReadExactly(buffer);
                lastHash = StoreAuditStore.ReadHash(Encoding.UTF8.GetString(buffer));
            }

            stream.Seek(0, SeekOrigin.End);
            file.Anchor = anchor;
            file.Length = anchor.Length > 0 ? anchor.Length + lines - 1 : lines;
            file.LastHash = lastHash;
            file.Writer = stream;
            OversightLog.AuditRecovered(_logger, partition.ToString(), file.Length - anchor.Length);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    // Returns the length up to and including the last newline, the number of complete lines, where the last one starts and where the first ends.
    private static (long Complete, long Lines, long LastLineStart, long FirstLineEnd) Scan(FileStream stream, long length)
    {
        var buffer = new byte[64 * 1024];
        long position = 0, lines = 0, lastNewline = -1, previousNewline = -1, firstNewline = -1;
        stream.Seek(0, SeekOrigin.Begin);
        while (position < length)
        {
            var read = stream.Read(buffer, 0, (int)Math.Min(buffer.Length, length - position));
            if (read == 0)
            {
                break;
            }

            for (var i = 0; i < read; i++)
            {
                if (buffer[i] == (byte)'\n')
                {
                    lines++;
                    if (firstNewline < 0)
                    {
                        firstNewline = position + i;
                    }

                    previousNewline = lastNewline;
                    lastNewline = position + i;
                }
            }

            position += read;
        }

        return (lastNewline + 1, lines, previousNewline + 1, firstNewline);
    }

    private sealed class PartitionFile(string path)
    {
        public string Path { get; } = path;

        public SemaphoreSlim Gate { get; } = new(1, 1);

        public FileStream? Writer { get; set; }

        /// <summary>The chain's length: the seq of its last record (retired ones included).</summary>
        public long Length { get; set; }

        /// <summary>Genesis, or the anchor line the file starts with after retention.</summary>
        public AuditTip Anchor { get; set; } = AuditTip.Genesis;

        public string LastHash { get; set; } = AuditCanonicalJson.GenesisHash;
    }
}
