namespace Gateway.Proxy.Tests.Infrastructure;

/// <summary>A clock a test moves: the real one plus <see cref="Offset"/> (for a gateway and the agent that signs for it).</summary>
public sealed class MovableClock : TimeProvider
{
    public TimeSpan Offset { get; set; }

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;
}
