using Gateway.Store;

namespace Gateway.Cli;

/// <summary>
/// The files gatewayctl exports (audit exports, evidence packs, retired partitions, checkpoints and proofs): owner-only like
/// the gateway's own exports (<see cref="PrivateFiles"/>: files <c>0600</c>, directories <c>0700</c>), written to
/// <c>&lt;file&gt;.partial</c> and renamed into place. The <c>.partial</c> file is always created new: whatever already has
/// its name (a stale file, a planted symbolic or hard link) is never opened, written through nor removed; it is refused.
/// </summary>
internal static class ExportFiles
{
    public const string PartialSuffix = ".partial";

    /// <summary>Creates <c>&lt;path&gt;.partial</c> new and <c>0600</c>; throws an <see cref="IOException"/> naming it when it exists.</summary>
    public static FileStream CreatePartial(string path)
    {
        RefuseExistingPartial(path);
        var partial = path + PartialSuffix;
        try
        {
            return PrivateFiles.Open(partial, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        }
        catch (IOException) when (Exists(partial))
        {
            // Planted between the check and the open: O_EXCL refused it.
            throw Refusal(partial);
        }
    }

    /// <summary>Throws an <see cref="IOException"/> when <c>&lt;path&gt;.partial</c> exists: checked before the work it would hold.</summary>
    public static void RefuseExistingPartial(string path)
    {
        if (Exists(path + PartialSuffix))
        {
            throw Refusal(path + PartialSuffix);
        }
    }

    /// <summary>Creates <paramref name="path"/> and its missing parents <c>0700</c> (an existing directory keeps its mode).</summary>
    public static DirectoryInfo CreateDirectory(string path)
    {
        // One at a time: the runtime gives the mode to the last directory only, the parents it creates get the umask's.
        var full = Path.GetFullPath(path);
        if (!Directory.Exists(full) && Path.GetDirectoryName(full) is { } parent)
        {
            CreateDirectory(parent);
        }

        return PrivateFiles.CreateDirectory(full);
    }

    // A dangling link exists too: File.Exists follows links, LinkTarget does not.
    private static bool Exists(string path) => File.Exists(path) || Directory.Exists(path) || new FileInfo(path).LinkTarget is not null;

    private static IOException Refusal(string partial) =>
        new($"{partial} already exists (an interrupted or concurrent export, or not ours); gatewayctl never writes through it: check it, remove it and run again");
}
