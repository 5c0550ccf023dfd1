namespace Gateway.Audit;

/// <summary>
/// The embedded journal's check that space has returned after a group could not be written (a full file
/// system, an I/O error): until a probe write of the same size with fsync succeeds in the directory, the
/// readiness probe stays unready.
/// </summary>
internal sealed class AuditFileSpaceProbe(string directory)
{
    private const string ProbeFilePrefix = ".write-probe-";
    private const int MinimumProbeBytes = 4096;

    // The size of the last group whose write failed (0: none failed since the last successful probe or append).
    private int _failedGroupBytes;

    /// <summary>A group of <paramref name="bytes"/> could not be written.</summary>
    public void GroupFailed(int bytes) => Volatile.Write(ref _failedGroupBytes, Math.Max(bytes, MinimumProbeBytes));

    /// <summary>A group was written: the file system takes groups again.</summary>
    public void GroupWritten() => Volatile.Write(ref _failedGroupBytes, 0);

    /// <summary>
    /// After a failed group write: writes and fsyncs a scratch file as large as that group in the journal
    /// directory and deletes it. Throws (unready) while the file system still cannot take it.
    /// </summary>
    public void ThrowIfStillFull()
    {
        if (Volatile.Read(ref _failedGroupBytes) is not (> 0 and var size))
        {
            return;
        }

        var path = Path.Combine(directory, ProbeFilePrefix + Guid.NewGuid().ToString("N"));
        try
        {
            using (var probe = Gateway.Store.PrivateFiles.Open(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.None))
            {
                probe.Write(new byte[size]);
                probe.Flush(flushToDisk: true);
            }

            GroupWritten();
        }
        catch (IOException ex)
        {
            throw new IOException($"The audit journal directory {directory} cannot take a group of {size} bytes (file system full?).", ex);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
