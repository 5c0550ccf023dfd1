using System.Collections.Concurrent;
using System.Reflection;
using System.Text;
using Gateway.Audit.Tests.Infrastructure;
using Gateway.Policy.Evidence;
using Gateway.Store;
using Gateway.Testing;

namespace Gateway.Audit.Tests;

/// <summary>
/// The kept leaves of the state-store sink on the embedded store (<see cref="RetiringStoreAuditStore"/>): a retirement
/// counts them, and a range of them is read, from the entries of the leaves log it has not read yet and those the range
/// lies in, never again from the log's first entry.
/// </summary>
public sealed class RetiringStoreAuditStoreLeavesTests : IDisposable
{
    private readonly ManualTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly InMemoryStateStore _store;
    private readonly ConcurrentQueue<(string Key, long Start, int Count)> _reads = new();
    private readonly RetiringStoreAuditStore _sink;
    private readonly AuditPartition _partition = new(TestServices.NewTenant(), TestServices.Replica);

    public RetiringStoreAuditStoreLeavesTests()
    {
        _store = new InMemoryStateStore(_time);
        _sink = new RetiringStoreAuditStore(LogReads.Wrap(_store, _reads), _store);
    }

    private string LeavesLog => StoreKeys.AuditLeaves(_partition.Tenant, _partition.Replica);

    public void Dispose() => _store.Dispose();

    [Fact]
    public async Task RetireAsync_AfterEarlierRetirements_ReadsOnlyTheLeavesEntriesAddedSince()
    {
        var leaves = await AppendAsync(6);
        await _sink.RetireAsync(_partition, 2);
        await _sink.RetireAsync(_partition, 4);
        _reads.Clear();

        Assert.Equal(2, await _sink.RetireAsync(_partition, 6));

        Assert.DoesNotContain(_reads, r => r.Key == LeavesLog && r.Start < 1);
        Assert.Equal(leaves.Select(Convert.ToHexStringLower), (await _sink.ReadRetiredLeavesAsync(_partition)).Select(Convert.ToHexStringLower));
    }

    [Fact]
    public async Task ReadRetiredLeavesAsync_ARange_ReadsOnlyTheEntriesItLiesIn()
    {
        var leaves = await RetiredInThreeEntriesAsync();
        IAuditRetirement retirement = _sink;
        Assert.Equal(leaves[..2].Select(Convert.ToHexStringLower), (await retirement.ReadRetiredLeavesAsync(_partition, 0, 2)).Select(Convert.ToHexStringLower));
        _reads.Clear();

        var range = await retirement.ReadRetiredLeavesAsync(_partition, 5, 5);

        Assert.Equal(leaves[5..].Select(Convert.ToHexStringLower), range.Select(Convert.ToHexStringLower));
        Assert.DoesNotContain(_reads, r => r.Key == LeavesLog && r.Start < 2);
        Assert.Empty(await retirement.ReadRetiredLeavesAsync(_partition, 7, 3));
        Assert.Equal(leaves[3..5].Select(Convert.ToHexStringLower), (await retirement.ReadRetiredLeavesAsync(_partition, 3, 2)).Select(Convert.ToHexStringLower));
    }

    [Fact]
    public async Task ReadRetiredLeavesAsync_ARange_AsksForNoEntryPastItsLast()
    {
        var leaves = await RetiredInThreeEntriesAsync();
        IAuditRetirement retirement = _sink;
        _reads.Clear();

        var range = await retirement.ReadRetiredLeavesAsync(_partition, 0, 2);

        Assert.Equal(leaves[..2].Select(Convert.ToHexStringLower), range.Select(Convert.ToHexStringLower));
        var read = Assert.Single(_reads, r => r.Key == LeavesLog && r.Start == 0);
        Assert.Equal(1, read.Count);
    }

    // Appends `count` records and returns every leaf, hashed from the stored lines.
    // Seven records retired in three leaves-log entries: records 1-2, 3-4 and 5-7.
    private async Task<byte[][]> RetiredInThreeEntriesAsync()
    {
        var leaves = await AppendAsync(7);
        await _sink.RetireAsync(_partition, 2);
        await _sink.RetireAsync(_partition, 4);
        await _sink.RetireAsync(_partition, 7);
        return leaves;
    }

    private async Task<byte[][]> AppendAsync(int count)
    {
        var journal = TestServices.Journal(_sink, _time);
        for (var i = 0; i < count; i++)
        {
            await journal.AppendAsync(new AuditEntry { Tenant = _partition.Tenant, Agent = "agent-1", Decision = "allow", StatusCode = 200 });
        }

        var leaves = new List<byte[]>();
        await foreach (var line in _sink.ReadAsync(_partition, 0))
        {
            leaves.Add(MerkleTree.LeafHash(Encoding.UTF8.GetBytes(line)));
        }

        return [.. leaves];
    }

    /// <summary>A state store that notes the key, start and count of every log read (DispatchProxy needs an unsealed class).</summary>
    public class LogReads : DispatchProxy
    {
        private IStateStore _inner = null!;
        private ConcurrentQueue<(string Key, long Start, int Count)> _reads = null!;

        public static IStateStore Wrap(IStateStore inner, ConcurrentQueue<(string Key, long Start, int Count)> reads)
        {
            var proxy = Create<IStateStore, LogReads>();
            var noting = (LogReads)(object)proxy;
            noting._inner = inner;
            noting._reads = reads;
            return proxy;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            ArgumentNullException.ThrowIfNull(targetMethod);
            if (targetMethod.Name == nameof(IAuditLogStore.ReadLogAsync) && args is [string key, long start, int count, ..])
            {
                _reads.Enqueue((key, start, count));
            }

            try
            {
                return targetMethod.Invoke(_inner, args);
            }
            catch (TargetInvocationException ex) when (ex.InnerException is { } inner)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(inner);
                throw;
            }
        }
    }
}
