using System.Net;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Store;

namespace Gateway.Proxy.Tests.Authenticate;

/// <summary>A person whose suspension cannot be read: refused as the store's outage (fail closed), recorded, nothing forwarded.</summary>
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

    // The store, with every read of a person's suspension marks (ConsolePersonSuspensions) failing as an unavailable store fails it.
    private static IStateStore SuspensionReadsFail(IStateStore inner) =>
        InterceptedStateStore.Wrap(inner, (method, args, call) =>
            method.Name == nameof(IStateStore.GetManyAsync) && args is [IReadOnlyList<string> keys, ..] && keys.Any(static k => k.StartsWith("console:suspended", StringComparison.Ordinal))
                ? ValueTask.FromException<IReadOnlyList<string?>>(new StateStoreUnavailableException("Injected: the store went down."))
                : call());
}
