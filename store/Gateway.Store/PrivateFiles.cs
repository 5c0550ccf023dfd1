using System.Text;

namespace Gateway.Store;

/// <summary>
/// Files and directories holding the gateway's data (the state journal, the audit journal with its receipts and leaves,
/// exports, the vault): on Unix created readable by the gateway's own user only, files <c>0600</c> and directories
/// <c>0700</c>. An existing directory (the operator's data volume) keeps its mode.
/// </summary>
public static class PrivateFiles
{
    /// <summary><c>0600</c>.</summary>
    public const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary><c>0700</c>.</summary>
    public const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Creates <paramref name="path"/> (and its missing parents) <c>0700</c>.</summary>
    public static DirectoryInfo CreateDirectory(string path) =>
        OperatingSystem.IsWindows() ? Directory.CreateDirectory(path) : Directory.CreateDirectory(path, OwnerOnlyDirectory);

    /// <summary>Opens <paramref name="path"/>; a file this creates is <c>0600</c>.</summary>
    public static FileStream Open(string path, FileMode mode, FileAccess access, FileShare share, int bufferSize = 4096, FileOptions options = FileOptions.None)
    {
        var streamOptions = new FileStreamOptions { Mode = mode, Access = access, Share = share, BufferSize = bufferSize, Options = options };
        if (!OperatingSystem.IsWindows() && mode is not (FileMode.Open or FileMode.Truncate) && access != FileAccess.Read)
        {
            streamOptions.UnixCreateMode = OwnerOnlyFile;
        }

        return new FileStream(path, streamOptions);
    }

    /// <summary>
    /// Writes <paramref name="text"/> (UTF-8) to <paramref name="path"/> atomically: into a new temporary file beside it,
    /// created <c>0600</c> before anything is in it, fsynced and renamed over it (<see cref="DurableRename"/>); its
    /// directory is created <c>0700</c> when missing. A temporary file left by an earlier attempt is removed, never
    /// written into: whoever still has it open, or linked elsewhere, gets nothing of the new text. For secrets such as the
    /// receipt key ring.
    /// </summary>
    public static void WriteAllText(string path, string text)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(text);
        var full = Path.GetFullPath(path);
        CreateDirectory(Path.GetDirectoryName(full)!);
        var temporary = full + ".tmp";
        // Removed (a link: the link itself), then created anew: one that reappears in between fails the write.
        File.Delete(temporary);
        using (var file = Open(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
        {
            if (!OperatingSystem.IsWindows())
            {
                // Exactly 0600 whatever the umask took away.
                File.SetUnixFileMode(file.SafeFileHandle, OwnerOnlyFile);
            }

            file.Write(new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(text));
            file.Flush(flushToDisk: true);
        }

        DurableRename.Replace(temporary, full);
    }
}
