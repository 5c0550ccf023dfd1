using System.Text;
using System.Text.Json;
using Gateway.Policy.AuditChain;
using Microsoft.Extensions.Logging;

namespace Gateway.Audit;

/// <summary>
/// One tenant's stored explanations in the embedded journal (<see cref="FileAuditStore"/>): a JSON-lines file beside
/// the chain files, one explanation line (<see cref="AuditExplanationLine"/>) per digest, appended and fsynced before
/// the lines of the group that first refers to it. Opened like a chain's file: a torn last line (a crash mid-write,
/// never acknowledged) is cut off and logged, and every whole line is indexed by digest (where it starts). Read and
/// changed only under <see cref="Gate"/>.
/// </summary>
internal sealed class AuditExplanationFile(string path, string tenant)
{
    private readonly Dictionary<string, (long Offset, int Length)> _index = new(StringComparer.Ordinal);
    private FileStream? _stream;

    public string Path { get; } = path;

    public SemaphoreSlim Gate { get; } = new(1, 1);

    /// <summary>True once the file was opened (it exists on disk from then on unless someone removes it).</summary>
    public bool IsOpen => _stream is not null;

    /// <summary>Opens the file (creating it when missing) and indexes it, cutting off a torn last line; nothing when open.</summary>
    public void EnsureOpen(ILogger logger)
    {
        if (_stream is not null)
        {
            return;
        }

        var stream = Gateway.Store.PrivateFiles.Open(Path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete, 1, FileOptions.None);
        try
        {
            _index.Clear();
            var bytes = new byte[stream.Length];
            stream.ReadExactly(bytes);
            var complete = bytes.AsSpan().LastIndexOf((byte)'\n') + 1;
            if (complete != bytes.Length)
            {
                AuditLog.AuditTornTail(logger, tenant + " (explanations)", bytes.Length - complete);
                stream.SetLength(complete);
                stream.Flush(flushToDisk: true);
            }

            for (var start = 0; start < complete;)
            {
                var length = bytes.AsSpan(start, complete - start).IndexOf((byte)'\n');
                Index(bytes.AsSpan(start, length), start);
                start += length + 1;
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
    /// </summary>
    public async ValueTask AppendAsync(IReadOnlyList<AuditExplanation> explanations, AuditFileSpaceProbe space)
    {
        var stream = _stream!;
        if (!File.Exists(Path))
        {
            Close();
            throw new IOException($"The audit explanations file {Path} vanished; appends resume once it is restored.");
        }

        var before = stream.Length;
        var lines = new List<(string Digest, byte[] Line)>(explanations.Count);
        foreach (var explanation in explanations)
        {
            if (!_index.ContainsKey(explanation.Digest) && !lines.Exists(l => l.Digest == explanation.Digest))
            {
                lines.Add((explanation.Digest, Encoding.UTF8.GetBytes(AuditExplanationLine.Write(tenant, explanation.Digest, Encoding.UTF8.GetString(explanation.Json)) + "\n")));
            }
        }

        if (lines.Count == 0)
        {
            return;
        }

        var bytes = lines.SelectMany(static l => l.Line).ToArray();
        await AuditFileAppend.WriteDurablyAsync(stream, bytes, space, Close);

        var at = before;
        foreach (var (digest, line) in lines)
        {
            _index[digest] = (at, line.Length - 1);
            at += line.Length;
        }
    }

    /// <summary>The explanation stored under <paramref name="digest"/> (JSON text as stored), or null when the file has none.</summary>
    public string? Read(string digest)
    {
        if (!_index.TryGetValue(digest, out var place))
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

    public void Close()
    {
        _stream?.Dispose();
        _stream = null;
    }

    // A line that is not an explanation line of this tenant is left out of the index (its digest reads as missing).
    private void Index(ReadOnlySpan<byte> line, long offset)
    {
        try
        {
            var reader = new Utf8JsonReader(line);
            using var document = JsonDocument.ParseValue(ref reader);
            if (AuditExplanationLine.TryRead(document.RootElement, out var lineTenant, out var digest, out _) && lineTenant == tenant)
            {
                _index.TryAdd(digest, (offset, line.Length));
            }
        }
        catch (JsonException)
        {
        }
    }
}
