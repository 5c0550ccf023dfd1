using System.Collections.Concurrent;

namespace Gateway.Proxy.Tests.Infrastructure;

/// <summary>What the server counts of its resource listings and of the subscriptions it is asked to take.</summary>
public sealed partial class McpTestServer
{
    private int _resourceListings;

    /// <summary>The resources/list requests the server received.</summary>
    public int ResourceListings => _resourceListings;

    /// <summary>While set, every resources/list waits for it before it answers (a listing that takes its time).</summary>
    public TaskCompletionSource? HoldResourceListing { get; set; }

    /// <summary>Each resources/subscribe: the URI.</summary>
    public ConcurrentQueue<string> Subscribed { get; } = new();

    /// <summary>Counts a resources/list and waits for <see cref="HoldResourceListing"/> when set.</summary>
    private async ValueTask ResourceListingAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _resourceListings);
        if (HoldResourceListing is { } hold)
        {
            await hold.Task.WaitAsync(cancellationToken);
        }
    }
}
