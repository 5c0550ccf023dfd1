using System.Runtime.CompilerServices;
using System.Text;

namespace Gateway.Audit;

public sealed partial class FileAuditStore
{
    public async IAsyncEnumerable<string> ReadAsync(AuditPartition partition, long start, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        FileStream stream;
        long records;
        bool anchored;
        var file = await EnterAsync(partition, cancellationToken);
        try
        {
            records = file.Length - file.Anchor.Length;
            anchored = file.Anchor.Length > 0;

            // Opened under the gate: a retirement that replaces the file later leaves this reader on the one it opened.
            stream = file.OpenReader();
        }
        finally
        {
            file.Gate.Release();
        }

        await using (stream.ConfigureAwait(false))
        {
            using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: false);
            if (anchored && await reader.ReadLineAsync(cancellationToken) is null)
            {
                yield break;
            }

            for (long index = 0; index < records; index++)
            {
                var line = await reader.ReadLineAsync(cancellationToken);
                if (line is null)
                {
                    yield break;
                }

                if (index >= start)
                {
                    yield return line;
                }
            }
        }
    }

    public async ValueTask<string?> GetExplanationAsync(string tenant, string digest, CancellationToken cancellationToken = default)
    {
        Identifiers.ThrowIfInvalidTenant(tenant);
        if (await EnterExplanationsAsync(tenant, create: false, cancellationToken) is not { } file)
        {
            return null;
        }

        try
        {
            return file.Read(digest);
        }
        finally
        {
            file.Gate.Release();
        }
    }

    /// <summary>Genesis, or after retention the anchor line the partition's file starts with.</summary>
    public async ValueTask<AuditTip> GetAnchorAsync(AuditPartition partition, CancellationToken cancellationToken = default)
    {
        var file = await EnterAsync(partition, cancellationToken);
        try
        {
            return file.Anchor;
        }
        finally
        {
            file.Gate.Release();
        }
    }

    public ValueTask<IReadOnlyList<string>> ListTenantsAsync(CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<IReadOnlyList<string>>([.. new SortedSet<string>(AuditFileNames.Partitions(_directory).Select(static p => p.Tenant), StringComparer.Ordinal)]);

    public ValueTask<IReadOnlyList<string>> ListReplicasAsync(string tenant, CancellationToken cancellationToken = default)
    {
        Identifiers.ThrowIfInvalidTenant(tenant);
        return ValueTask.FromResult<IReadOnlyList<string>>([.. new SortedSet<string>(AuditFileNames.Partitions(_directory, tenant).Select(static p => p.Replica), StringComparer.Ordinal)]);
    }
}
