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
}
