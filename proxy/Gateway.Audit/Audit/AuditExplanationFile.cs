using System.Text;
using System.Text.Json;
using Gateway.Policy.AuditChain;
using Gateway.Store;
using Microsoft.Extensions.Logging;

namespace Gateway.Audit;

/// <summary>
/// One tenant's stored explanations in the embedded journal (<see cref="FileAuditStore"/>): a JSON-lines file beside
/// the chain files, one explanation line (<see cref="AuditExplanationLine"/>) per digest, appended and fsynced before
/// the lines of the group that first refers to it. Opened like a chain's file, read in chunks (never whole): a torn last
/// line (a crash mid-write, never acknowledged) is cut off and logged, and every whole line is indexed by digest (its
/// 32 bytes, <see cref="AuditExplanationKey"/>: where the line starts). Retention drops the lines no kept record refers
/// to (<see cref="BeginPrune"/>, <see cref="Prune"/>). Read and changed only under <see cref="Gate"/>.
/// </summary>
internal sealed class AuditExplanationFile(string path, string tenant)
{
    private readonly Dictionary<AuditExplanationKey, (long Offset, int Length)> _index = [];
    private HashSet<AuditExplanationKey>? _noted;
    private FileStream? _stream;

    public string Path { get; } = path;

    public SemaphoreSlim Gate { get; } = new(1, 1);

    /// <summary>Held by one prune of this file at a time, from <see cref="BeginPrune"/> to <see cref="Prune"/> (taken before <see cref="Gate"/>).</summary>
    public SemaphoreSlim Pruning { get; } = new(1, 1);

    /// <summary>True once the file was opened (it exists on disk from then on unless someone removes it).</summary>
    public bool IsOpen => _stream is not null;

    /// <summary>Opens the file (creating it when missing) and indexes it, cutting off a torn last line; nothing when open.</summary>
    public void EnsureOpen(ILogger logger)
    {
        if (_stream is not null)
        {
            return;
        }

        var stream = PrivateFiles.Open(Path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete, 1, FileOptions.None);
        try
        {
            _index.Clear();
            var complete = AuditFileLines.ForEach(stream, (line, offset) =>
            {
                if (KeyOf(line) is { } key)
                {
                    _index.TryAdd(key, (offset, line.Length));
                }
            });
            if (complete != stream.Length)
            {
                AuditLog.AuditTornTail(logger, tenant + " (explanations)", stream.Length - complete);
                stream.SetLength(complete);
                stream.Flush(flushToDisk: true);
            }

            stream.Seek(0, SeekOrigin.End);
            _stream = stream;
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Appends the lines of the explanations whose digest the file does not hold yet, with one fsync. When the write
    /// fails, what it wrote is cut off again, the file is closed, and an I/O failure is reported to <paramref name="space"/>.
    /// While a prune is under way every digest given is noted, held or not, so that the prune keeps it.
    /// </summary>
    public async ValueTask AppendAsync(IReadOnlyList<AuditExplanation> explanations, AuditFileSpaceProbe space)
    {
        var stream = _stream!;
        var lines = new List<(AuditExplanationKey Key, byte[] Line)>(explanations.Count);
        foreach (var explanation in explanations)
        {
            var key = AuditExplanationKey.Of(explanation.Digest);
            _noted?.Add(key);
            if (!_index.ContainsKey(key) && !lines.Exists(l => l.Key == key))
            {
                lines.Add((key, Encoding.UTF8.GetBytes(AuditExplanationLine.Write(tenant, explanation.Digest, Encoding.UTF8.GetString(explanation.Json)) + "\n")));
            }
        }

        if (lines.Count == 0)
        {
            return;
        }

        if (!File.Exists(Path))
        {
            Close();
            throw new IOException($"The audit explanations file {Path} vanished; appends resume once it is restored.");
        }

        var before = stream.Length;
        var bytes = lines.SelectMany(static l => l.Line).ToArray();
        await AuditFileAppend.WriteDurablyAsync(stream, bytes, space, Close);

        var at = before;
        foreach (var (key, line) in lines)
        {
            _index[key] = (at, line.Length - 1);
            at += line.Length;
        }
    }

    /// <summary>The explanation stored under <paramref name="digest"/> (JSON text as stored), or null when the file has none.</summary>
    public string? Read(string digest)
    {
        if (!_index.TryGetValue(AuditExplanationKey.Of(digest), out var place))
        {
            return null;
        }

        var line = new byte[place.Length];
        _stream!.Seek(place.Offset, SeekOrigin.Begin);
        _stream.ReadExactly(line);
        _stream.Seek(0, SeekOrigin.End);
        using var document = JsonDocument.Parse(line);
        return document.RootElement.GetProperty("explanation").GetRawText();
    }

    /// <summary>Starts noting every digest appended from now on (<see cref="AppendAsync"/>), for the next <see cref="Prune"/> to keep.</summary>
    public void BeginPrune() => _noted = [];

    /// <summary>Stops noting digests without pruning (a prune that failed before it rewrote the file).</summary>
    public void EndPrune() => _noted = null;

    /// <summary>
    /// Rewrites the file with only the explanation lines whose digest is in <paramref name="keep"/> or was noted since
    /// <see cref="BeginPrune"/> (and any line that is no explanation of this tenant): written beside the file, fsynced,
    /// renamed over it, the directory fsynced, then reopened and indexed. Returns how many lines went (0: the file is left
    /// as it was). A crash leaves the old file or the new one (and a leftover <see cref="AuditFileRetirement.Suffix"/> file
    /// the next start deletes).
    /// </summary>
    public int Prune(IReadOnlySet<AuditExplanationKey> keep, ILogger logger)
    {
        var noted = _noted;
        _noted = null;
        var stream = _stream!;
        if (!File.Exists(Path))
        {
            Close();
            throw new IOException($"The audit explanations file {Path} vanished; appends resume once it is restored.");
        }

        var rewritten = Path + AuditFileRetirement.Suffix;
        var dropped = 0;
        using (var output = PrivateFiles.Open(rewritten, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            AuditFileLines.ForEach(stream, (line, _) =>
            {
                if (KeyOf(line) is { } key && !keep.Contains(key) && noted?.Contains(key) != true)
                {
                    dropped++;
                    return;
                }

                output.Write(line.Span);
                output.WriteByte((byte)'\n');
            });
            output.Flush(flushToDisk: true);
        }

        stream.Seek(0, SeekOrigin.End);
        if (dropped == 0)
        {
            File.Delete(rewritten);
            return 0;
        }

        Close();
        DurableRename.Replace(rewritten, Path);
        EnsureOpen(logger);
        return dropped;
    }

    public void Close()
    {
        _stream?.Dispose();
        _stream = null;
    }

    // The digest of an explanation line of this tenant; null for any other line (its digest reads as missing).
    private AuditExplanationKey? KeyOf(ReadOnlyMemory<byte> line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            return AuditExplanationLine.TryRead(document.RootElement, out var lineTenant, out var digest, out _) && lineTenant == tenant
                ? AuditExplanationKey.Of(digest) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
