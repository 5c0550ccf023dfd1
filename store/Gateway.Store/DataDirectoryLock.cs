namespace Gateway.Store;

/// <summary>
/// One process's hold on a data directory: a lock file inside it (<c>state.lock</c>, <c>audit.lock</c>), opened exclusively
/// (<see cref="FileShare.None"/>: on Unix an <c>flock(LOCK_EX | LOCK_NB)</c>, on Windows a share mode) and kept open
/// until <see cref="Dispose"/>, so a second holder, another process or a second open in this one, is refused while
/// this one lives. The OS lets go when the process ends, a <c>kill -9</c> included, so a restart is never locked out.
/// The lock is on a file of its own, never on a data file: those are replaced by rename, which would leave the lock on
/// a file the directory no longer names. The file is never deleted (a holder would then lock a file nobody else opens).
/// Local file systems only: .NET skips the lock where the file system does not support it (NFS among them).
/// </summary>
public sealed class DataDirectoryLock : IDisposable
{
    private readonly FileStream _file;

    private DataDirectoryLock(FileStream file)
    {
        _file = file;
    }

    /// <summary>The lock file's path.</summary>
    public string Path => _file.Name;

    /// <summary>Creates <paramref name="directory"/> when missing and holds it through its lock file <paramref name="fileName"/>.</summary>
    /// <exception cref="IOException">Another holder has the lock file (or it cannot be opened); the message names the directory.</exception>
    public static DataDirectoryLock Acquire(string directory, string fileName)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentException.ThrowIfNullOrEmpty(fileName);
        PrivateFiles.CreateDirectory(directory);
        var path = System.IO.Path.Combine(directory, fileName);
        try
        {
            return new DataDirectoryLock(PrivateFiles.Open(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 0));
        }
        catch (IOException exception)
        {
            throw new IOException(
                $"The data directory {directory} is held by another process (its lock file {path} cannot be locked: {exception.Message}). " +
                "Only one gateway process may use a data directory at a time: stop the other one, or give this one a directory of its own.",
                exception);
        }
    }

    /// <summary>Closes the lock file, which lets the directory go.</summary>
    public void Dispose() => _file.Dispose();
}
