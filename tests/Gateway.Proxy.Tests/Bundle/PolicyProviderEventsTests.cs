using Microsoft.Extensions.DependencyInjection;
using Gateway.Proxy.Bundle;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Bundle;

/// <summary>
/// A reload's two events: <see cref="PolicyProvider.Applying"/> before the new snapshot is in force (what is derived from it
/// is put in place), <see cref="PolicyProvider.Applied"/> once it is (what tells clients); neither for a refused bundle.
/// </summary>
public sealed class PolicyProviderEventsTests : IAsyncLifetime
{
    private DemoBundle _bundle = null!;
    private GatewayHost _gateway = null!;

    public async Task InitializeAsync()
    {
        _bundle = DemoBundle.Create();
        // The file watcher's reload held off: each test's one reload is its own call.
        _gateway = await GatewayHost.StartAsync(_bundle.Directory, new Dictionary<string, string?> { ["Gateway:Policy:ReloadDebounce"] = "01:00:00" });
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        _bundle.Dispose();
    }

    [Fact]
    public async Task ReloadAsync_ChangedBundle_RaisesApplyingOnTheOldPolicyThenAppliedOnTheNew()
    {
        var policy = _gateway.Services.GetRequiredService<PolicyProvider>();
        var before = policy.Current;
        var seen = new List<(string Event, PolicySnapshot Raised, PolicySnapshot? InForce)>();
        _bundle.Rewrite(static text => text + "\n# changed\n");

        using (new Listener(policy, (name, snapshot) => seen.Add((name, snapshot, policy.Current))))
        {
            Assert.Empty(await policy.ReloadAsync());
        }

        var applied = policy.Current;
        Assert.NotSame(before, applied);
        Assert.Collection(
            seen,
            applying => Assert.Equal(("applying", applied!, before), applying),
            done => Assert.Equal(("applied", applied!, applied), done));
    }

    [Fact]
    public async Task ReloadAsync_InvalidBundle_RaisesNeither()
    {
        var policy = _gateway.Services.GetRequiredService<PolicyProvider>();
        var raised = 0;
        _bundle.Rewrite(static text => text + "\n  : not yaml [\n");

        using (new Listener(policy, (_, _) => raised++))
        {
            Assert.NotEmpty(await policy.ReloadAsync());
        }

        Assert.Equal(0, raised);
    }

    /// <summary>Calls its handler with "applying" or "applied" and the snapshot raised, until disposed.</summary>
    private sealed class Listener : IDisposable
    {
        private readonly PolicyProvider _policy;
        private readonly Action<PolicySnapshot> _applying;
        private readonly Action<PolicySnapshot> _applied;

        public Listener(PolicyProvider policy, Action<string, PolicySnapshot> onEvent)
        {
            _policy = policy;
            _applying = snapshot => onEvent("applying", snapshot);
            _applied = snapshot => onEvent("applied", snapshot);
            policy.Applying += _applying;
            policy.Applied += _applied;
        }

        public void Dispose()
        {
            _policy.Applying -= _applying;
            _policy.Applied -= _applied;
        }
    }
}
