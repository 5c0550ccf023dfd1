using System.Net;
using System.Runtime.CompilerServices;
using Gateway.Audit;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Store;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.Authenticate;

/// <summary>
/// A person whose suspension cannot be read: refused as the store's outage (fail closed), recorded every time (the
/// once-a-minute claim needs the store that is down), nothing forwarded; a journal down too keeps the record in its backlog
/// and the answer stays <c>store_unavailable</c>.
/// </summary>
public sealed partial class PersonTokenTests
{
    [Fact]
    public async Task Evaluate_SuspensionMarkUnreadable_Is503StoreUnavailableRecordedNothingForwarded()
    {
        await using var gw = await PersonGateway.StartAsync(configure: builder =>
            builder.Host.UseServiceProviderFactory(new WrappedStateStoreFactory((_, store) => SuspensionReadsFail(store))));

        using var response = await gw.PostAsPersonAsync("/v1/actions/invoke-tool", Evaluate, gw.Provider.Issue("erin@example.com"));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.ServiceUnavailable, "store_unavailable");
        Assert.Empty(gw.Gateway.Upstream.To("/crm"));
        var record = await RecordAsync(gw, response);
        Assert.Equal("refused:store_unavailable", record.GetProperty("decision").GetString());
        Assert.Equal(503, record.GetProperty("status_code").GetInt32());
    }

    [Fact]
    public async Task Evaluate_StoreDownJournalOnFile_Is503StoreUnavailableRecorded()
    {
        // The store fails the suspension read and the once-a-minute claim alike; the journal (as one on file would) takes the record.
        await using var gw = await PersonGateway.StartAsync(configure: builder =>
            builder.Host.UseServiceProviderFactory(new WrappedStateStoreFactory((_, store) => SuspensionReadsFail(store, claimsFail: true))));

        using var response = await gw.PostAsPersonAsync("/v1/actions/invoke-tool", Evaluate, gw.Provider.Issue("erin@example.com"));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.ServiceUnavailable, "store_unavailable");
        Assert.Empty(gw.Gateway.Upstream.To("/crm"));
        var record = Assert.Single(await gw.Gateway.AuditRecordsAsync(Assert.Single(response.Headers.GetValues("X-Request-Id"))));
        Assert.Equal("refused:store_unavailable", record.GetProperty("decision").GetString());
        Assert.Equal("demo-agent", record.GetProperty("agent").GetString());
    }

    [Fact]
    public async Task Evaluate_StoreDownJournalOnTheStore_Is503StoreUnavailableAndTheBacklogHoldsIt()
    {
        var journalDown = new StrongBox<bool>(false);
        await using var gw = await PersonGateway.StartAsync(configure: builder =>
            builder.Host.UseServiceProviderFactory(new WrappedStateStoreFactory((_, store) => SuspensionReadsFail(store, claimsFail: true, journalDown))));
        var journal = gw.Gateway.Host.Services.GetRequiredService<AuditJournal>();
        journalDown.Value = true;

        using var response = await gw.PostAsPersonAsync("/v1/actions/invoke-tool", Evaluate, gw.Provider.Issue("erin@example.com"));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.ServiceUnavailable, "store_unavailable");
        Assert.Empty(gw.Gateway.Upstream.To("/crm"));
        journalDown.Value = false;
        Assert.Equal(1, journal.BacklogCount);
        Assert.Equal(1, await journal.FlushBacklogAsync());
        var record = Assert.Single(await gw.Gateway.AuditRecordsAsync(Assert.Single(response.Headers.GetValues("X-Request-Id"))));
        Assert.Equal("refused:store_unavailable", record.GetProperty("decision").GetString());
    }

    // The store, with every read of a person's suspension marks (ConsolePersonSuspensions) failing as an unavailable store
    // fails it; with `claimsFail`, Respond's once-a-minute claim (its set-if-absent) too; while `journalDown` holds, every audit append.
    private static IStateStore SuspensionReadsFail(IStateStore inner, bool claimsFail = false, StrongBox<bool>? journalDown = null) =>
        InterceptedStateStore.Wrap(inner, (method, args, call) =>
            method.Name == nameof(IStateStore.GetManyAsync) && args is [IReadOnlyList<string> keys, ..] && keys.Any(static k => k.StartsWith("console:suspended", StringComparison.Ordinal))
                ? ValueTask.FromException<IReadOnlyList<string?>>(Down())
                : claimsFail && method.Name == nameof(IStateStore.TrySetIfAbsentAsync) && args is [string key, ..] && key.Contains(":refusal-recorded:", StringComparison.Ordinal) ? ValueTask.FromException<bool>(Down())
                : journalDown?.Value == true && method.Name == nameof(IStateStore.TryAppendAsync) ? ValueTask.FromException<bool>(Down())
                : journalDown?.Value == true && method.Name == nameof(IStateStore.TryAppendAdmittingAsync) ? ValueTask.FromException<AppendAdmission>(Down())
                : call());

    private static StateStoreUnavailableException Down() => new("Injected: the store went down.");
}
