using System.Collections.Concurrent;
using Gateway.Audit.Options;
using Gateway.Policy.AuditChain;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Audit;

/// <summary>
/// The embedded journal: one append-only JSON-lines file per partition
/// (<c>{tenant}@{replica}.audit.jsonl</c>, <see cref="AuditFileNames"/>) for a single gateway process, which holds the
/// directory from its start (<see cref="RecoverAllAsync"/>: a second process there is refused) until it is disposed. A group
/// of lines is written and flushed to disk with one fsync before the append returns (<see cref="AuditJournalFile"/>).
/// At start the tip of every file is recovered; a torn last line (a crash mid-write, never acknowledged) is cut off
/// and logged; a damaged file is left as it is and never appended to, and one with a line that is no record refuses the
/// start (<see cref="AuditFileRecovery"/>, <see cref="AuditFileDamage"/>). Once the directory or a chain's file has existed, it is never
/// silently recreated: if it vanishes, appends fail (and the readiness probe fails) until it is restored, with no
/// restart. A group that cannot be written (a full file system, an I/O error) is cut off again, its append fails,
/// and the readiness probe stays unready until a probe write of the same size with fsync succeeds in the directory
/// (space has returned, <see cref="AuditFileSpaceProbe"/>); appends then resume, with no restart.
/// Retention (<see cref="IAuditRetirement"/>) keeps the retired records' Merkle leaves (<see cref="AuditFileLeaves"/>) and rewrites a chain's file without its retired prefix, starting
/// with the anchor line (<see cref="AuditAnchorLine"/>) that the first kept record links to: the new file is
/// written beside the old one, fsynced, renamed over it and the directory fsynced, so a crash leaves either
/// the old file or the new one, never a half (<see cref="AuditFileRetirement"/>).
/// A tenant's explanations (records refer to them by digest) are one file beside the chain files,
/// <c>{tenant}.explanations.jsonl</c> (<see cref="AuditExplanationFile"/>): an explanation is appended and fsynced
/// there before the lines of the first group that refers to it. Retention rewrites it without the explanations no kept
/// record refers to (<see cref="DropUnreferencedExplanationsAsync"/>). A group's receipt batches are
/// appended to the partition's receipts file before its lines and fsynced while they are (<see cref="AuditFileReceipts"/>); retention
/// drops the batches whose records it retired.
/// </summary>
public sealed partial class FileAuditStore : IAuditStore, IAuditRetirement, IDisposable
{
    /// <summary>The file name suffix of a partition's journal.</summary>
    public const string FileSuffix = ".audit.jsonl";

    /// <summary>Separates the tenant from the replica in a file name (never part of either).</summary>
    public const char ReplicaSeparator = '@';

    /// <summary>The file name suffix of a tenant's stored explanations.</summary>
    public const string ExplanationsSuffix = ".explanations.jsonl";

    private readonly string _directory;
    private readonly ILogger<FileAuditStore> _logger;
    private readonly ConcurrentDictionary<AuditPartition, AuditJournalFile> _files = new();
    private readonly ConcurrentDictionary<string, AuditExplanationFile> _explanations = new(StringComparer.Ordinal);
    private readonly AuditFileSpaceProbe _space;
    private volatile bool _directoryExisted;
    private Gateway.Store.DataDirectoryLock? _held;

    public FileAuditStore(IOptions<AuditOptions> options, ILogger<FileAuditStore> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _directory = Path.GetFullPath(options.Value.Directory);
        _logger = logger;
        _space = new AuditFileSpaceProbe(_directory);
    }

    /// <summary>True: a group's receipt batches go to their own file before its lines, so a crash may keep a batch without them.</summary>
    public bool StoresReceiptsApart => true;

    /// <summary>True: retention drops the explanations no kept record refers to (<see cref="DropUnreferencedExplanationsAsync"/>).</summary>
    public bool DropsUnreferencedExplanations => true;

    /// <summary>The directory holding the journal files.</summary>
    public string DirectoryPath => _directory;

    /// <summary>The file of a partition.</summary>
    public string PathOf(AuditPartition partition) => AuditFileNames.PathOf(_directory, partition);

    /// <summary>The file of a tenant's stored explanations.</summary>
    public string ExplanationsPathOf(string tenant) => Path.Combine(_directory, tenant + ExplanationsSuffix);

    /// <summary>The lock file that holds the directory for one process from <see cref="RecoverAllAsync"/> (<see cref="Gateway.Store.DataDirectoryLock"/>).</summary>
    public const string LockFileName = "audit.lock";

    /// <summary>
    /// Creates the directory when missing, holds it for this process until <see cref="Dispose"/> (<see cref="LockFileName"/>)
    /// and recovers the tip of every partition file present (called at start-up).
    /// </summary>
    /// <exception cref="IOException">Another process holds the directory: nothing in it was touched.</exception>
    /// <exception cref="InvalidDataException">
    /// A partition's file is corrupt (<see cref="AuditFileDamage.Corrupt"/>: a line that is no record, with whole lines after
    /// it or last): it is left as it is; the message names it and the byte offset.
    /// </exception>
    public async ValueTask RecoverAllAsync(CancellationToken cancellationToken = default)
    {
        // Before anything is cut, deleted or appended: a second gateway on the directory would fork its chains.
        _held ??= Gateway.Store.DataDirectoryLock.Acquire(_directory, LockFileName);
        _directoryExisted = true;
        AuditFileRetirement.DeleteLeftovers(_directory);
        foreach (var partition in AuditFileNames.Partitions(_directory))
        {
            var file = await EnterAsync(partition, cancellationToken);
            file.Gate.Release();
            if (file.Damage is { Corrupt: true } damage)
            {
                // Left as it is: the records after a line that is no record may be acknowledged (AuditFileDamage).
                throw damage.Exception();
            }
        }
    }

    /// <summary>The chain's end; its last record's time as recovery read it (<see cref="AuditJournalFile.LastTime"/>).</summary>
    public async ValueTask<AuditTip> GetTipAsync(AuditPartition partition, CancellationToken cancellationToken = default)
    {
        var file = await EnterAsync(partition, cancellationToken);
        try
        {
            return new AuditTip(file.Length, file.LastHash) { LastTime = file.LastTime };
        }
        finally
        {
            file.Gate.Release();
        }
    }

    public async ValueTask<bool> TryAppendAsync(AuditPartition partition, long expectedLength, IReadOnlyList<byte[]> lines, string lastHash, IReadOnlyList<AuditExplanation> explanations, IReadOnlyList<AuditReceiptBatch> receipts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(explanations);
        ArgumentNullException.ThrowIfNull(receipts);
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

        var file = await EnterAsync(partition, cancellationToken);
        try
        {
            if (file.Damage is { } damage)
            {
                throw damage.Exception();
            }

            if (file.Length != expectedLength)
            {
                return false;
            }

            if (!File.Exists(file.Path))
            {
                file.Close();
                throw new IOException($"The audit journal file {file.Path} vanished; appends resume once it is restored.");
            }

            if (explanations.Count > 0)
            {
                // Durable before any line that refers to them (the partition's gate is taken first, never the other way round).
                var explained = await EnterExplanationsAsync(partition.Tenant, create: true, cancellationToken);
                try
                {
                    await explained!.AppendAsync(explanations, _space);
                }
                finally
                {
                    explained!.Gate.Release();
                }
            }

            AuditFileReceipts.Written? written = null;
            if (receipts.Count > 0)
            {
                // Written before the lines they sign, made durable while the lines are (AuditFileReceipts).
                written = await AuditFileReceipts.WriteAsync(file, receipts, _space);
            }

            var bytes = new byte[size];
            var at = 0;
            foreach (var line in lines)
            {
                line.CopyTo(bytes.AsSpan(at));
                at += line.Length;
                bytes[at++] = (byte)'\n';
            }

            try
            {
                var synced = written?.SyncAsync() ?? Task.CompletedTask;
                try
                {
                    await file.AppendAsync(bytes, lines.Count, lastHash, _space);
                }
                finally
                {
                    await synced.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                }

                await synced;
            }
            catch when (written is not null)
            {
                written.CutBack();
                throw;
            }

            _space.GroupWritten();
            return true;
        }
        finally
        {
            file.Gate.Release();
        }
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

        // Records refer to their explanations by digest: a tenant's explanations file gone is a journal that cannot append.
        foreach (var file in _explanations.Values)
        {
            if (file.IsOpen && !File.Exists(file.Path))
            {
                throw new FileNotFoundException("An audit explanations file is gone.", file.Path);
            }
        }

        _space.ThrowIfStillFull();
        return ValueTask.CompletedTask;
    }

    public void Dispose()
    {
        foreach (var file in _files.Values)
        {
            file.Close();
            file.Gate.Dispose();
        }

        _files.Clear();
        foreach (var file in _explanations.Values)
        {
            file.Close();
            file.Gate.Dispose();
        }

        _explanations.Clear();
        _held?.Dispose();
        _held = null;
    }

    /// <summary>
    /// The tenant's explanations file under its gate, open; null (no gate held) when it does not exist and
    /// <paramref name="create"/> is false. The caller releases the gate.
    /// </summary>
    private async ValueTask<AuditExplanationFile?> EnterExplanationsAsync(string tenant, bool create, CancellationToken cancellationToken)
    {
        var file = _explanations.GetOrAdd(tenant, static (t, store) => new AuditExplanationFile(store.ExplanationsPathOf(t), t), this);
        await file.Gate.WaitAsync(cancellationToken);
        try
        {
            if (!create && !File.Exists(file.Path))
            {
                file.Gate.Release();
                return null;
            }

            file.EnsureOpen(_logger);
            return file;
        }
        catch
        {
            file.Gate.Release();
            throw;
        }
    }

    /// <summary>The partition's file under its gate, open (recovered when it was closed); the caller releases the gate.</summary>
    private async ValueTask<AuditJournalFile> EnterAsync(AuditPartition partition, CancellationToken cancellationToken)
    {
        var file = _files.GetOrAdd(partition, static (p, directory) => new AuditJournalFile(AuditFileNames.PathOf(directory, p)), _directory);
        await file.Gate.WaitAsync(cancellationToken);
        try
        {
            EnsureOpen(partition, file);
            return file;
        }
        catch
        {
            file.Gate.Release();
            throw;
        }
    }

    // Called under the file's gate.
    private void EnsureOpen(AuditPartition partition, AuditJournalFile file)
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

            Gateway.Store.PrivateFiles.CreateDirectory(_directory);
        }

        _directoryExisted = true;
        if (file.Length > 0 && !File.Exists(file.Path))
        {
            throw new FileNotFoundException("The audit journal file of a chain with records is gone; appends resume once it is restored.", file.Path);
        }

        AuditFileRecovery.Recover(partition, file, _logger);
    }
}
