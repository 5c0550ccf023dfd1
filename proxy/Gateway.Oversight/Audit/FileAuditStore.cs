using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text;
using Gateway.Oversight.Options;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Oversight.Audit;

/// <summary>
/// The embedded journal: one append-only JSON-lines file per tenant (<c>{tenant}.audit.jsonl</c>)
/// for a single gateway process. Each append is written and flushed to disk before it returns. At
/// start the tip of every file is recovered; a torn last line (a crash mid-write, never
/// acknowledged) is cut off and logged.
/// </summary>
public sealed class FileAuditStore : IAuditStore, IDisposable
{
    /// <summary>The file name suffix of a tenant's journal.</summary>
    public const string FileSuffix = ".audit.jsonl";

    private readonly string _directory;
    private readonly ILogger<FileAuditStore> _logger;
    private readonly ConcurrentDictionary<string, TenantFile> _files = new(StringComparer.Ordinal);

    public FileAuditStore(IOptions<OversightOptions> options, ILogger<FileAuditStore> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _directory = Path.GetFullPath(options.Value.Audit.Directory);
        _logger = logger;
    }

    /// <summary>The directory holding the journal files.</summary>
    public string DirectoryPath => _directory;

    /// <summary>Recovers the tip of every tenant file present (called at start-up).</summary>
    public async ValueTask RecoverAllAsync(CancellationToken cancellationToken = default)
    {
        if (!Directory.Exists(_directory))
        {
            return;
        }

        foreach (var path in Directory.EnumerateFiles(_directory, "*" + FileSuffix))
        {
            var tenant = Path.GetFileName(path)[..^FileSuffix.Length];
            if (Identifiers.IsValidTenant(tenant))
            {
                await GetTipAsync(tenant, cancellationToken);
            }
        }
    }

    public async ValueTask<AuditTip> GetTipAsync(string tenant, CancellationToken cancellationToken = default)
    {
        var file = await OpenAsync(tenant, cancellationToken);
        await file.Gate.WaitAsync(cancellationToken);
        try
        {
            return new AuditTip(file.Length, file.LastHash);
        }
        finally
        {
            file.Gate.Release();
        }
    }

    public async ValueTask<bool> TryAppendAsync(string tenant, long expectedLength, string line, string lineHash, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(line);
        if (line.Contains('\n', StringComparison.Ordinal))
        {
            throw new ArgumentException("A journal line must not contain a newline.", nameof(line));
        }

        var file = await OpenAsync(tenant, cancellationToken);
        await file.Gate.WaitAsync(cancellationToken);
        try
        {
            if (file.Length != expectedLength)
            {
                return false;
            }

            var bytes = Encoding.UTF8.GetBytes(line + "\n");
            var stream = file.Writer!;
            var before = stream.Length;
            try
            {
                stream.Seek(0, SeekOrigin.End);
                await stream.WriteAsync(bytes, cancellationToken);
                stream.Flush(flushToDisk: true);
            }
            catch
            {
                // Never leave half a line behind an acknowledged chain.
                stream.SetLength(before);
                throw;
            }

            file.Length++;
            file.LastHash = lineHash;
            return true;
        }
        finally
        {
            file.Gate.Release();
        }
    }

    public async IAsyncEnumerable<string> ReadAsync(string tenant, long start, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var file = await OpenAsync(tenant, cancellationToken);
        long available;
        await file.Gate.WaitAsync(cancellationToken);
        try
        {
            available = file.Length;
        }
        finally
        {
            file.Gate.Release();
        }

        var stream = new FileStream(file.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using (stream.ConfigureAwait(false))
        {
            using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: false);
            for (long index = 0; index < available; index++)
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

    public void Dispose()
    {
        foreach (var file in _files.Values)
        {
            file.Writer?.Dispose();
            file.Gate.Dispose();
        }

        _files.Clear();
    }

    private async ValueTask<TenantFile> OpenAsync(string tenant, CancellationToken cancellationToken)
    {
        Identifiers.ThrowIfInvalidTenant(tenant);
        var file = _files.GetOrAdd(tenant, t => new TenantFile(Path.Combine(_directory, t + FileSuffix)));
        if (file.Writer is not null)
        {
            return file;
        }

        await file.Gate.WaitAsync(cancellationToken);
        try
        {
            if (file.Writer is null)
            {
                Recover(tenant, file);
            }
        }
        finally
        {
            file.Gate.Release();
        }

        return file;
    }

    private void Recover(string tenant, TenantFile file)
    {
        Directory.CreateDirectory(_directory);
        var stream = new FileStream(file.Path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, 1, FileOptions.None);
        try
        {
            var length = stream.Length;
            var (complete, lines, lastLineStart) = Scan(stream, length);
            if (complete != length)
            {
                OversightLog.AuditTornTail(_logger, tenant, length - complete);
                stream.SetLength(complete);
                stream.Flush(flushToDisk: true);
            }

            var lastHash = AuditCanonicalJson.GenesisHash;
            if (lines > 0)
            {
                var buffer = new byte[complete - 1 - lastLineStart];
                stream.Seek(lastLineStart, SeekOrigin.Begin);
                stream.ReadExactly(buffer);
                lastHash = StoreAuditStore.ReadHash(Encoding.UTF8.GetString(buffer));
            }

            stream.Seek(0, SeekOrigin.End);
            file.Length = lines;
            file.LastHash = lastHash;
            file.Writer = stream;
            OversightLog.AuditRecovered(_logger, tenant, lines);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    // Returns the length up to and including the last newline, the number of complete lines, and where the last one starts.
    private static (long Complete, long Lines, long LastLineStart) Scan(FileStream stream, long length)
    {
        var buffer = new byte[64 * 1024];
        long position = 0, lines = 0, lastNewline = -1, previousNewline = -1;
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
                    previousNewline = lastNewline;
                    lastNewline = position + i;
                }
            }

            position += read;
        }

        return (lastNewline + 1, lines, previousNewline + 1);
    }

    private sealed class TenantFile(string path)
    {
        public string Path { get; } = path;

        public SemaphoreSlim Gate { get; } = new(1, 1);

        public FileStream? Writer { get; set; }

        public long Length { get; set; }

        public string LastHash { get; set; } = AuditCanonicalJson.GenesisHash;
    }
}
