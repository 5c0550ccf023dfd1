using System.Diagnostics;
using System.Globalization;
using System.Net;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Faults;

/// <summary>
/// The store hangs instead of dying: redis-server is frozen with SIGSTOP, so its socket stays open and
/// simply never answers. The gateway must not wait on it: requests are refused with 503
/// <c>store_unavailable</c> while the server is still frozen (so the refusal cannot have waited for its
/// answer; the command timeout ends the wait), nothing is forwarded, and after SIGCONT the same process
/// serves again.
/// </summary>
[Collection(ReplicaCollection.Name)]
public sealed class StoreHangTests : IAsyncLifetime
{
    private KestrelUpstream _crm = null!;
    private ReplicaCluster _cluster = null!;
    private int _redisPid;
    private bool _stopped;

    public async Task InitializeAsync()
    {
        _crm = await ReplicaUpstreams.StartCrmAsync();
        _cluster = await ReplicaCluster.StartAsync(
            replicas: 1,
            new Dictionary<string, string> { [ReplicaUpstreams.CrmOrigin] = _crm.Origin },
            ReplicaUpstreams.WithoutCrmCredential,
            ReplicaCluster.FaultTimeout);
        _redisPid = await _cluster.RedisProcessIdAsync();
    }

    public async Task DisposeAsync()
    {
        if (_stopped)
        {
            await SignalAsync("-CONT");
        }

        await (_cluster?.DisposeAsync() ?? ValueTask.CompletedTask);
        await (_crm?.DisposeAsync() ?? ValueTask.CompletedTask);
    }

    [Fact]
    public async Task InvokeTool_RedisFrozen_RefusedWithinTimeoutAndNothingForwardedThenRecovers()
    {
        var agent = _cluster.Agent(0);
        using (var healthy = await agent.PostJsonAsync("/v1/actions/invoke-tool", ReplicaUpstreams.ReadContact("before")))
        {
            Assert.Equal(HttpStatusCode.OK, healthy.StatusCode);
        }

        var forwarded = _crm.Received.Count;
        await SignalAsync("-STOP");
        _stopped = true;

        // Every refusal arrives while redis-server is still stopped (it is resumed only below): the gateway
        // answered without the hung server, bounded by its command timeout rather than by the server.
        await Task.WhenAll(Enumerable.Range(0, 6).Select(i => Task.Run(async () =>
        {
            using var response = await agent.PostJsonAsync("/v1/actions/invoke-tool", ReplicaUpstreams.ReadContact("frozen-" + i));
            await ProblemAssert.IsProblemAsync(response, HttpStatusCode.ServiceUnavailable, "store_unavailable");
        })));
        using (var notReady = await _cluster[0].Client.GetAsync("/readyz"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
        }

        Assert.Equal(forwarded, _crm.Received.Count);

        await SignalAsync("-CONT");
        _stopped = false;
        var attempt = 0;
        await Gateway.Testing.Eventually.ReturnsAsync(
            async () =>
            {
                using var probe = await agent.PostJsonAsync("/v1/actions/invoke-tool", ReplicaUpstreams.ReadContact("thawed-" + attempt++));
                return (probe.StatusCode, Body: await probe.Content.ReadAsStringAsync());
            },
            static last => last.StatusCode == HttpStatusCode.OK,
            TimeSpan.FromSeconds(60),
            static last => $"no success 60 s after SIGCONT; last: {(int)last.StatusCode} {last.Body}");

        Assert.DoesNotContain(ReplicaUpstreams.ContactIds(_crm), id => id.StartsWith("frozen-", StringComparison.Ordinal));
        await ReplicaCluster.WaitUntilReadyAsync(_cluster[0], 0, TimeSpan.FromSeconds(60));
    }

    /// <summary>Sends a signal to the redis-server this test started (and only to it).</summary>
    private async Task SignalAsync(string signal)
    {
        var info = new ProcessStartInfo("kill") { UseShellExecute = false, RedirectStandardError = true };
        info.ArgumentList.Add(signal);
        info.ArgumentList.Add(_redisPid.ToString(CultureInfo.InvariantCulture));
        using var process = Process.Start(info) ?? throw new InvalidOperationException("kill did not start");
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"kill {signal} {_redisPid} failed: {await process.StandardError.ReadToEndAsync()}");
    }
}
