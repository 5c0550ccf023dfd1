using System.Net;
using System.Text.Json;
using Gateway.Audit;
using Gateway.Oversight;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Store;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.Record;

/// <summary>
/// The audit journal on the state store, whose decision append carries the request's admission
/// (<c>Gateway:Admission:WithDecisionRecord</c>): a store outage during that append is answered 503
/// <c>store_unavailable</c>, and once the store is back the backlog leaves one record of the request, with that code. A
/// refusal answered whatever the journal does (a store outage, an unexpected failure) is kept in the backlog with the code
/// it was answered with, never as <c>audit_unavailable</c>.
/// </summary>
public sealed class AuditBacklogTests
{
    private const string ReadContact = """{"tool":"crm.read_contact","args":{"id":"c-1"}}""";

    [Fact]
    public async Task StoreOutageDuringAdmittingDecisionAppend_BacklogHoldsOneRefusalWithTheAnsweredCode()
    {
        var outage = new AppendOutage();
        await using var gw = await outage.StartGatewayAsync();
        var journal = gw.Host.Services.GetRequiredService<AuditJournal>();

        // A first request, so that this replica has seen the agent's switches and admits with the decision record.
        using (var healthy = await gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", ReadContact))
        {
            Assert.Equal(HttpStatusCode.OK, healthy.StatusCode);
        }

        // Its outcome, appended after its answer, is durable before the store goes down.
        await journal.WaitForUnawaitedAsync();
        outage.Down = true;
        var requestId = await RefusedAsync(gw, "/v1/actions/invoke-tool", ReadContact, HttpStatusCode.ServiceUnavailable, ProblemCodes.StoreUnavailable);

        outage.Down = false;
        Assert.True(outage.AdmittingAppendFailed, "no decision append that carried an admission failed");
        await BacklogWritesOneAsync(journal);

        AssertStoreUnavailableRecord(Assert.Single(await gw.AuditRecordsAsync(requestId)));
    }

    [Fact]
    public async Task StoreOutageAtAdmit_JournalOnTheStore_BacklogHoldsStoreUnavailable()
    {
        var outage = new AppendOutage();
        await using var gw = await outage.StartGatewayAsync();
        var journal = gw.Host.Services.GetRequiredService<AuditJournal>();

        // The first request of the agent on this replica: Admit makes its store call, which the outage fails.
        outage.Down = true;
        outage.AdmitsFail = true;
        var requestId = await RefusedAsync(gw, "/v1/actions/invoke-tool", ReadContact, HttpStatusCode.ServiceUnavailable, ProblemCodes.StoreUnavailable);

        outage.Down = false;
        await BacklogWritesOneAsync(journal);

        AssertStoreUnavailableRecord(Assert.Single(await gw.AuditRecordsAsync(requestId)));
    }

    [Fact]
    public async Task UnexpectedFailure_JournalDown_BacklogHoldsInternalError()
    {
        var outage = new AppendOutage();
        await using var gw = await outage.StartGatewayAsync();
        var journal = gw.Host.Services.GetRequiredService<AuditJournal>();

        // The run's write fails unexpectedly, after its run_started entry, and the journal goes down with it.
        outage.RunWriteTakesTheJournalDown = true;
        var requestId = await RefusedAsync(gw, "/v1/runs", """{"framework":"tests","purpose":"read a contact"}""", HttpStatusCode.InternalServerError, ProblemCodes.InternalError);

        outage.Down = false;
        await BacklogWritesOneAsync(journal);

        var records = await gw.AuditRecordsAsync(requestId);
        Assert.Equal(["run_started", "refused:" + ProblemCodes.InternalError], records.Select(r => r.GetProperty("decision").GetString()));
        Assert.Equal((int)HttpStatusCode.InternalServerError, records[1].GetProperty("status_code").GetInt32());
    }

    // Posts body to path, refused with status and code: the request's id.
    private static async Task<string> RefusedAsync(GovernedGateway gw, string path, string body, HttpStatusCode status, string code)
    {
        using var refused = await gw.Agent.PostJsonAsync(path, body);
        await ProblemAssert.IsProblemAsync(refused, status, code);
        return Assert.Single(refused.Headers.GetValues("X-Request-Id"));
    }

    // The backlog holds one request's records, and writes them.
    private static async Task BacklogWritesOneAsync(AuditJournal journal)
    {
        Assert.Equal(1, journal.BacklogCount);
        Assert.Equal(1, await journal.FlushBacklogAsync());
    }

    // The refusal's record, with the code and status it was answered with when the store was unavailable.
    private static void AssertStoreUnavailableRecord(JsonElement record)
    {
        Assert.Equal("refused:" + ProblemCodes.StoreUnavailable, record.GetProperty("decision").GetString());
        Assert.Equal((int)HttpStatusCode.ServiceUnavailable, record.GetProperty("status_code").GetInt32());
    }

    /// <summary>
    /// The gateway's store, with every audit log append failing as an unavailable store fails it while <see cref="Down"/> (and
    /// every admission, with <see cref="AdmitsFail"/>); a run's write, with <see cref="RunWriteTakesTheJournalDown"/>, fails
    /// unexpectedly and puts it <see cref="Down"/>.
    /// </summary>
    private sealed class AppendOutage
    {
        private volatile bool _down;
        private volatile bool _admittingAppendFailed;
        private volatile bool _admitsFail;
        private volatile bool _runWriteTakesTheJournalDown;

        public bool Down
        {
            get => _down;
            set => _down = value;
        }

        /// <summary>Whether an append that carried an admission failed.</summary>
        public bool AdmittingAppendFailed => _admittingAppendFailed;

        public bool AdmitsFail
        {
            get => _admitsFail;
            set => _admitsFail = value;
        }

        public bool RunWriteTakesTheJournalDown
        {
            get => _runWriteTakesTheJournalDown;
            set => _runWriteTakesTheJournalDown = value;
        }

        /// <summary>The gateway, its state store (which keeps the audit journal) wrapped by this outage.</summary>
        public Task<GovernedGateway> StartGatewayAsync() =>
            GovernedGateway.StartAsync(configure: builder => builder.Host.UseServiceProviderFactory(new WrappedStateStoreFactory((_, store) => Wrap(store))));

        private IStateStore Wrap(IStateStore inner) =>
            InterceptedStateStore.Wrap(inner, (method, args, call) =>
            {
                if (_runWriteTakesTheJournalDown && method.Name == nameof(IStateStore.SetAsync) && args is [string key, ..] && key.Contains(":run:", StringComparison.Ordinal))
                {
                    _down = true;
                    return ValueTask.FromException(new InvalidOperationException("Injected: a bug in the run's write."));
                }

                if (!_down)
                {
                    return call();
                }

                if (_admitsFail && method.Name == nameof(IStateStore.AdmitAsync))
                {
                    return ValueTask.FromException<AdmissionOutcome>(new StateStoreUnavailableException("Injected: the store went down."));
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
