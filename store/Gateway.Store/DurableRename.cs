using System.Runtime.InteropServices;

namespace Gateway.Store;

/// <summary>
/// Moves a written and fsynced file into place so that a crash leaves either the old file or the new one:
/// <c>rename(2)</c> is atomic, and the directory is fsynced after it so the rename itself survives a power
/// loss (fsyncing the file alone does not make its new name durable).
/// </summary>
public static partial class DurableRename
{
    private const int ReadOnly = 0;

    /// <summary>Renames <paramref name="source"/> over <paramref name="destination"/> and fsyncs the destination's directory.</summary>
    /// <exception cref="IOException">The rename or the directory's fsync failed.</exception>
    public static void Replace(string source, string destination)
    {
        File.Move(source, destination, overwrite: true);
        SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(destination))!);
    }

    /// <summary>fsyncs a directory (its entries: created, renamed, deleted files). A no-op on Windows, which cannot open one.</summary>
    /// <exception cref="IOException">The directory could not be opened or fsynced.</exception>
    public static void SyncDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var descriptor = Open(directory, ReadOnly);
        if (descriptor < 0)
        {
            throw Failure("open", directory);
        }

        try
        {
            if (Fsync(descriptor) != 0)
            {
                throw Failure("fsync", directory);
            }
        }
        finally
        {
            _ = Close(descriptor);
        }
    }

    private static IOException Failure(string call, string directory)
    {
        var errno = Marshal.GetLastPInvokeError();
        return new IOException($"{call} of directory {directory} failed: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int descriptor);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int descriptor);
}
