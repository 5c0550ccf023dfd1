using System.Net;
using Gateway.Audit;
using Gateway.Oversight;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Store;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.Record;

/// <summary>
/// The audit journal on the state store, whose decision append carries the request's admission
/// (<c>Gateway:Admission:WithDecisionRecord</c>): a store outage during that append is answered 503
/// <c>store_unavailable</c>, and once the store is back the backlog leaves one record of the request, with that code.
/// </summary>
public sealed class AuditBacklogTests
{
    private const string ReadContact = """{"tool":"crm.read_contact","args":{"id":"c-1"}}""";

    [Fact]
    public async Task StoreOutageDuringAdmittingDecisionAppend_BacklogHoldsOneRefusalWithTheAnsweredCode()
    {
        var outage = new AppendOutage();
        await using var gw = await GovernedGateway.StartAsync(configure: builder =>
            builder.Host.UseServiceProviderFactory(new WrappedStateStoreFactory((_, store) => outage.Wrap(store))));
        var journal = gw.Host.Services.GetRequiredService<AuditJournal>();

        // A first request, so that this replica has seen the agent's switches and admits with the decision record.
        using (var healthy = await gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", ReadContact))
        {
            Assert.Equal(HttpStatusCode.OK, healthy.StatusCode);
        }

        // Its outcome, appended after its answer, is durable before the store goes down.
        await journal.WaitForUnawaitedAsync();
        outage.Down = true;
        string requestId;
        using (var refused = await gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", ReadContact))
        {
            await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.ServiceUnavailable, ProblemCodes.StoreUnavailable);
            requestId = Assert.Single(refused.Headers.GetValues("X-Request-Id"));
        }

        outage.Down = false;
        Assert.True(outage.AdmittingAppendFailed, "no decision append that carried an admission failed");
        Assert.Equal(1, journal.BacklogCount);
        Assert.Equal(1, await journal.FlushBacklogAsync());

        var record = Assert.Single(await gw.AuditRecordsAsync(requestId));
        Assert.Equal("refused:" + ProblemCodes.StoreUnavailable, record.GetProperty("decision").GetString());
        Assert.Equal((int)HttpStatusCode.ServiceUnavailable, record.GetProperty("status_code").GetInt32());
    }

    /// <summary>The gateway's store, with every audit log append failing as an unavailable store fails it while <see cref="Down"/>.</summary>
    private sealed class AppendOutage
    {
        private volatile bool _down;
        private volatile bool _admittingAppendFailed;

        public bool Down
        {
            get => _down;
            set => _down = value;
        }

        /// <summary>Whether an append that carried an admission failed.</summary>
        public bool AdmittingAppendFailed => _admittingAppendFailed;

        public IStateStore Wrap(IStateStore inner) =>
            InterceptedStateStore.Wrap(inner, (method, args, call) =>
            {
                if (!_down)
                {
                    return call();
                }

                if (method.Name == nameof(IStateStore.TryAppendAdmittingAsync))
                {
                    if (args![7] is IReadOnlyList<AdmissionRequest> { Count: > 0 })
                    {
                        _admittingAppendFailed = true;
                    }

                    return ValueTask.FromException<AppendAdmission>(new StateStoreUnavailableException("Injected: the store went down."));
                }

                return method.Name == nameof(IStateStore.TryAppendAsync)
                    ? ValueTask.FromException<bool>(new StateStoreUnavailableException("Injected: the store went down."))
                    : call();
            });
    }
}
