using Gateway.Testing.Stores;

namespace Gateway.Audit.Tests.Infrastructure;

/// <summary>A retiring sink that runs <paramref name="edit"/> right before each retirement: a record edited after retention checked it.</summary>
internal sealed class EditedBeforeRetirement(PostgresAuditStore inner, Func<Task> edit) : DelegatingAuditStore(inner), IAuditRetirement
{
    public ValueTask<IReadOnlyList<string>> ListTenantsAsync(CancellationToken cancellationToken = default) => inner.ListTenantsAsync(cancellationToken);

    public async ValueTask<long> RetireAsync(AuditPartition partition, long throughSeq, CancellationToken cancellationToken = default)
    {
        await edit();
        return await inner.RetireAsync(partition, throughSeq, cancellationToken);
    }

    public async ValueTask<long> RetireAsync(AuditPartition partition, long fromSeq, AuditTip through, byte[] leavesDigest, CancellationToken cancellationToken = default)
    {
        await edit();
        return await inner.RetireAsync(partition, fromSeq, through, leavesDigest, cancellationToken);
    }

    public ValueTask<IReadOnlyList<byte[]>> ReadRetiredLeavesAsync(AuditPartition partition, CancellationToken cancellationToken = default) =>
        inner.ReadRetiredLeavesAsync(partition, cancellationToken);
}
