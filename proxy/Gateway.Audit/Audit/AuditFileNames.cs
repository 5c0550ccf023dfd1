namespace Gateway.Audit;

/// <summary>
/// The names of the embedded journal's files: <c>{tenant}@{replica}.audit.jsonl</c> per partition
/// (<see cref="FileAuditStore.FileSuffix"/>, <see cref="FileAuditStore.ReplicaSeparator"/>), and the partitions a directory holds.
/// </summary>
internal static class AuditFileNames
{
    /// <summary>The file of <paramref name="partition"/> in <paramref name="directory"/>.</summary>
    public static string PathOf(string directory, AuditPartition partition) =>
        Path.Combine(directory, $"{partition.Tenant}{FileAuditStore.ReplicaSeparator}{partition.Replica}{FileAuditStore.FileSuffix}");

    /// <summary>The partitions whose files are in <paramref name="directory"/> (none when it is missing), of one tenant when <paramref name="tenant"/> is given.</summary>
    public static IEnumerable<AuditPartition> Partitions(string directory, string? tenant = null)
    {
        if (!Directory.Exists(directory))
        {
            yield break;
        }

        var pattern = tenant is null ? "*" + FileAuditStore.FileSuffix : tenant + FileAuditStore.ReplicaSeparator + "*" + FileAuditStore.FileSuffix;
        foreach (var path in Directory.EnumerateFiles(directory, pattern))
        {
            if (TryParse(Path.GetFileName(path), out var partition) && (tenant is null || partition.Tenant == tenant))
            {
                yield return partition;
            }
        }
    }

    private static bool TryParse(string fileName, out AuditPartition partition)
    {
        partition = default;
        if (!fileName.EndsWith(FileAuditStore.FileSuffix, StringComparison.Ordinal))
        {
            return false;
        }

        var name = fileName[..^FileAuditStore.FileSuffix.Length];
        var separator = name.LastIndexOf(FileAuditStore.ReplicaSeparator);
        if (separator <= 0)
        {
            return false;
        }

        partition = new AuditPartition(name[..separator], name[(separator + 1)..]);
        return Identifiers.IsValidTenant(partition.Tenant) && AuditPartition.IsValidReplica(partition.Replica);
    }
}
