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
        void OnApplying(PolicySnapshot snapshot) => seen.Add(("applying", snapshot, policy.Current));
        void OnApplied(PolicySnapshot snapshot) => seen.Add(("applied", snapshot, policy.Current));
        policy.Applying += OnApplying;
        policy.Applied += OnApplied;
        try
        {
            _bundle.Rewrite(static text => text + "\n# changed\n");

            Assert.Empty(await policy.ReloadAsync());
        }
        finally
        {
            policy.Applying -= OnApplying;
            policy.Applied -= OnApplied;
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
        void OnEvent(PolicySnapshot snapshot) => raised++;
        policy.Applying += OnEvent;
        policy.Applied += OnEvent;
        try
        {
            _bundle.Rewrite(static text => text + "\n  : not yaml [\n");

            Assert.NotEmpty(await policy.ReloadAsync());
        }
        finally
        {
            policy.Applying -= OnEvent;
            policy.Applied -= OnEvent;
        }

        Assert.Equal(0, raised);
    }
}
