using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace Gateway.Proxy.Mcp;

// The initializes of each registered agent in progress here: counted with its sessions when an initialize is described,
// so that of several arriving together just under the limit, those the limit leaves no room for are the ones recorded as
// making room (an idle session gives way to each), not refused at their destination.
internal sealed partial class McpSessions
{
    private readonly ConcurrentDictionary<(string Tenant, string Agent), StrongBox<int>> _initializing = new();

    /// <summary>
    /// An initialize of <paramref name="agent"/> is described: <paramref name="makesRoom"/> is true when its sessions and the
    /// initializes already in progress reach its session limit. It is in progress until the returned value is disposed.
    /// </summary>
    public IDisposable InitializeStarting(string tenant, string agent, out bool makesRoom)
    {
        var initializing = _initializing.GetOrAdd((tenant, agent), static _ => new StrongBox<int>());
        var others = Interlocked.Increment(ref initializing.Value) - 1;
        makesRoom = CountFor(tenant, agent) + others >= _maxSessions;
        return new InitializeEnded(initializing);
    }

    /// <summary>Ends one initialize in progress, once.</summary>
    private sealed class InitializeEnded(StrongBox<int> initializing) : IDisposable
    {
        private int _ended;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _ended, 1) == 0)
            {
                Interlocked.Decrement(ref initializing.Value);
            }
        }
    }
}
