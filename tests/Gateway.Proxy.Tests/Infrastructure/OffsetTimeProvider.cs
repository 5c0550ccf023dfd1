namespace Gateway.Proxy.Tests.Infrastructure;

/// <summary>A clock that runs at a fixed offset from the real one (a client with a skewed clock).</summary>
public sealed class OffsetTimeProvider : TimeProvider
{
    private readonly TimeSpan _offset;

    public OffsetTimeProvider(TimeSpan offset) => _offset = offset;

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + _offset;
}
