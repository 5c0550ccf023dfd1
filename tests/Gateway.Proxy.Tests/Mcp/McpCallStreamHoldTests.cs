using Gateway.Proxy.Mcp;
using Gateway.Proxy.Pipeline;
using Gateway.Store;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Gateway.Proxy.Tests.Mcp;

/// <summary>
/// A call stream's resumption takes a place (<see cref="McpCallStreams.TryHold"/>): one per stream on a replica at once,
/// and per registered agent at most as many as it may have calls in flight, its delegated children's counted with its own.
/// </summary>
public sealed class McpCallStreamHoldTests
{
    private readonly McpCallStreams _streams = new(new InMemoryStateStore(), Options.Create(new McpEndpointOptions { MaxPendingCallsPerAgent = 2 }),
        TimeProvider.System, NullLogger<McpCallStream>.Instance);

    [Fact]
    public void TryHold_SameStreamTwice_SecondIsRefusedUntilTheFirstEnds()
    {
        var first = _streams.TryHold("demo", "agent", "agent", "s1", out _);

        var second = _streams.TryHold("demo", "agent", "agent", "s1", out var inUse);
        first!.Dispose();
        using var third = _streams.TryHold("demo", "agent", "agent", "s1", out _);

        Assert.Null(second);
        Assert.True(inUse);
        Assert.NotNull(third);
    }

    [Fact]
    public void TryHold_PastTheRegisteredAgentsLimit_IsRefusedUntilOneEnds()
    {
        var first = _streams.TryHold("demo", "agent", "agent", "s1", out _);
        using var child = _streams.TryHold("demo", "agent~child", "agent", "s2", out _);

        var past = _streams.TryHold("demo", "agent", "agent", "s3", out var inUse);
        using var otherAgent = _streams.TryHold("demo", "other", "other", "s3", out _);
        first!.Dispose();
        using var after = _streams.TryHold("demo", "agent", "agent", "s3", out _);

        Assert.NotNull(child);
        Assert.Null(past);
        Assert.False(inUse);
        Assert.NotNull(otherAgent);
        Assert.NotNull(after);
    }
}
