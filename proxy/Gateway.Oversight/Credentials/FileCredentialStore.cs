using System.Text.Json;
using Gateway.Connectors.Vault;
using Gateway.Store;

namespace Gateway.Oversight.Credentials;

/// <summary>
/// Credential records (envelopes only, never plaintext) in one JSON file, for the embedded default.
/// Every write goes to a temporary file in the same directory, is flushed to disk, and is renamed over
/// the original, so a crash leaves either the old or the new file. On Unix the file is mode 0600.
/// The file is re-read on every operation, so one process at a time should write it.
/// </summary>
public sealed class FileCredentialStore : ICredentialRecordStore, IDisposable
{
    private readonly string _path;
    private readonly SemaphoreSlim _gate = new(1, 1);

    public FileCredentialStore(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        _path = Path.GetFullPath(path);
    }

    /// <summary>The file's full path.</summary>
    public string FilePath => _path;

    /// <inheritdoc/>
    public async ValueTask<CredentialRecord?> GetAsync(string tenant, string name, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var document = await ReadAsync(cancellationToken).ConfigureAwait(false);
            return document.Tenants.TryGetValue(tenant, out var records) && records.TryGetValue(name, out var record) ? record : null;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc/>
    public async ValueTask<bool> ReplaceAsync(string tenant, CredentialRecord? expected, CredentialRecord replacement, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(replacement);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var document = await ReadAsync(cancellationToken).ConfigureAwait(false);
            if (!document.Tenants.TryGetValue(tenant, out var records))
            {
                records = new Dictionary<string, CredentialRecord>(StringComparer.Ordinal);
                document.Tenants[tenant] = records;
            }

            var stored = records.GetValueOrDefault(replacement.Name);
            if (expected is null ? stored is not null : !expected.IsSameWrite(stored))
            {
                return false;
            }

            records[replacement.Name] = replacement;
            await WriteAtomicallyAsync(document, cancellationToken).ConfigureAwait(false);
            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<CredentialRecord>> ListAsync(string tenant, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var document = await ReadAsync(cancellationToken).ConfigureAwait(false);
            return document.Tenants.TryGetValue(tenant, out var records)
                ? [.. records.Values.OrderBy(r => r.Name, StringComparer.Ordinal)]
                : [];
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _gate.Dispose();

    private async Task<CredentialFileDocument> ReadAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(_path))
        {
            return new CredentialFileDocument();
        }

        var stream = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, useAsync: true);
        await using (stream.ConfigureAwait(false))
        {
            var document = await JsonSerializer.DeserializeAsync(stream, CredentialRecordJson.Default.CredentialFileDocument, cancellationToken).ConfigureAwait(false);
            if (document is null || document.Format != 1)
            {
                throw new InvalidDataException("The credential file is not in format 1.");
            }

            document.Tenants = new Dictionary<string, Dictionary<string, CredentialRecord>>(document.Tenants, StringComparer.Ordinal);
            return document;
        }
    }

    private async Task WriteAtomicallyAsync(CredentialFileDocument document, CancellationToken cancellationToken)
    {
        var directory = Path.GetDirectoryName(_path)!;
        PrivateFiles.CreateDirectory(directory);
        var temp = Path.Combine(directory, $".{Path.GetFileName(_path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, Options = FileOptions.Asynchronous };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            var stream = new FileStream(temp, options);
            await using (stream.ConfigureAwait(false))
            {
                await JsonSerializer.SerializeAsync(stream, document, CredentialRecordJson.Default.CredentialFileDocument, cancellationToken).ConfigureAwait(false);
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }

            DurableRename.Replace(temp, _path);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }
}
