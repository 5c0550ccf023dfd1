using Gateway.Audit.Tests.Infrastructure;
using Gateway.Testing.Stores;

namespace Gateway.Audit.Tests;

/// <summary>
/// A range of the retired leaves PostgreSQL keeps (<c>audit_retired_leaves</c>, runs of leaves by first and last seq): the
/// same leaves as that range of the whole run from seq 1, runs that overlap counted once, none past a gap.
/// </summary>
public sealed class AuditRetiredLeavesPostgresTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task ReadRetiredLeavesAsync_ARange_IsThatRangeOfTheRunsThatJoin()
    {
        var partition = new AuditPartition(TestServices.NewTenant(), TestServices.Replica);
        var leaves = Enumerable.Range(1, 9).Select(static seq => Enumerable.Repeat((byte)seq, 32).ToArray()).ToArray();

        // Runs 1..3 and 2..5 (leaves kept twice, as after a crash between keeping them and retiring), then 7..9 past a gap.
        await InsertRunAsync(partition, 1, 3, leaves);
        await InsertRunAsync(partition, 2, 5, leaves);
        await InsertRunAsync(partition, 7, 9, leaves);
        IAuditRetirement sink = new PostgresAuditStore(postgres.Database);
        var all = await sink.ReadRetiredLeavesAsync(partition);
        Assert.Equal(leaves[..5].Select(Convert.ToHexStringLower), all.Select(Convert.ToHexStringLower));

        foreach (var (from, count) in new[] { (0L, 5), (0L, 1), (1L, 3), (2L, 2), (3L, 4), (4L, 1), (5L, 2), (6L, 3), (0L, 0), (0L, 20) })
        {
            var range = await sink.ReadRetiredLeavesAsync(partition, from, count);
            Assert.Equal(all.Skip((int)from).Take(count).Select(Convert.ToHexStringLower), range.Select(Convert.ToHexStringLower));
        }
    }

    private Task InsertRunAsync(AuditPartition partition, long first, long last, byte[][] leaves) =>
        postgres.ExecuteAsOwnerAsync(
            $"INSERT INTO audit_retired_leaves (tenant, replica, first_seq, last_seq, leaves) VALUES ('{partition.Tenant}', '{partition.Replica}', {first}, {last}, "
            + $"'\\x{string.Concat(leaves[(int)(first - 1)..(int)last].Select(Convert.ToHexStringLower))}'::bytea)");
}
