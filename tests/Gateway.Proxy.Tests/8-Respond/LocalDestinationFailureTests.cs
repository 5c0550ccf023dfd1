using System.Net;
using Gateway.Oversight;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Store;

namespace Gateway.Proxy.Tests.Respond;

/// <summary>
/// A local kind's destination that fails after Record appended its entry (the gateway's own store, wrapped so that the
/// destination's write throws): the request ends in a refusal Respond records right after that entry, so the chain never
/// keeps a delegation issued or a run started that does not exist; a store outage is 503 <c>store_unavailable</c>, any
/// other exception a 500 <c>internal_error</c> answered by Respond in the caller's format, never by the host.
/// </summary>
public sealed class LocalDestinationFailureTests
{
    [Fact]
    public async Task Delegate_StoreFailsToKeepTheChild_Refuses503AndRecordsTheRefusalAfterDelegationIssued()
    {
        await using var gw = await GovernedGateway.StartAsync(DelegationCalls.TwoLevels, configure: builder =>
            builder.Host.UseServiceProviderFactory(new WrappedStateStoreFactory((_, store) =>
                WritesFail(store, ":delegation:", () => new StateStoreUnavailableException("Injected: the store went down.")))));

        using var response = await DelegationCalls.RequestAsync(gw.Agent, DelegationCalls.ReadContactGrant);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.ServiceUnavailable, ProblemCodes.StoreUnavailable);
        var records = await gw.AuditRecordsAsync(RequestIdOf(response));
        Assert.Equal(["delegation_issued", "refused:" + ProblemCodes.StoreUnavailable], records.Select(r => r.GetProperty("decision").GetString()));
        Assert.Equal((int)HttpStatusCode.ServiceUnavailable, records[1].GetProperty("status_code").GetInt32());
    }

    [Fact]
    public async Task StartRun_DestinationThrowsUnexpectedly_Refuses500InternalErrorAndRecordsIt()
    {
        await using var gw = await GovernedGateway.StartAsync(configure: builder =>
            builder.Host.UseServiceProviderFactory(new WrappedStateStoreFactory((_, store) =>
                WritesFail(store, ":run:", () => new InvalidOperationException("Injected: a bug in the run's write.")))));

        using var response = await gw.Agent.PostJsonAsync("/v1/runs", """{"framework":"tests","purpose":"read a contact"}""");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.InternalServerError, ProblemCodes.InternalError);
        Assert.Equal(RequestIdOf(response), problem.GetProperty("request_id").GetString());
        var records = await gw.AuditRecordsAsync(RequestIdOf(response));
        Assert.Equal(["run_started", "refused:" + ProblemCodes.InternalError], records.Select(r => r.GetProperty("decision").GetString()));
        Assert.Equal((int)HttpStatusCode.InternalServerError, records[1].GetProperty("status_code").GetInt32());
    }

    private static string RequestIdOf(HttpResponseMessage response) => Assert.Single(response.Headers.GetValues("X-Request-Id"));

    // The store, with every write of a key that contains `key` failing with `failure`'s exception.
    private static IStateStore WritesFail(IStateStore inner, string key, Func<Exception> failure) =>
        InterceptedStateStore.Wrap(inner, (method, args, call) =>
            method.Name == nameof(IStateStore.SetAsync) && args is [string written, ..] && written.Contains(key, StringComparison.Ordinal)
                ? ValueTask.FromException(failure())
                : call());
}
