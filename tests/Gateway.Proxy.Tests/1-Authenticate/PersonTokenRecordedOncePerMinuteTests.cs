using System.Net;
using Gateway.Oversight;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Store;

namespace Gateway.Proxy.Tests.Authenticate;

/// <summary>
/// A signed request's refused <c>X-Gamut-Person</c>, which Authenticate answers before any rate limit, is recorded under the
/// agent once a minute per agent, secret, route and code; the rest are answered alike, unrecorded. So is an unexpected
/// failure of the person's check (500 <c>internal_error</c>).
/// </summary>
public sealed class PersonTokenRecordedOncePerMinuteTests
{
    private const string Evaluate = """{"tool":"crm.read_contact","args":{"id":"c-1"}}""";

    [Fact]
    public async Task Evaluate_ForgedPersonTokenSentFiveTimes_IsRecordedOnce()
    {
        await using var gw = await PersonGateway.StartAsync();
        var forged = gw.Provider.Forged("erin@example.com");

        var requestIds = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            using var refused = await gw.PostAsPersonAsync("/v1/evaluate", Evaluate, forged);
            await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.Unauthorized, "person_token_invalid");
            requestIds.Add(Assert.Single(refused.Headers.GetValues("X-Request-Id")));
        }

        var record = Assert.Single(await gw.Gateway.AuditRecordsAsync(requestIds[0]));
        Assert.Equal("refused:person_token_invalid", record.GetProperty("decision").GetString());
        Assert.Equal("demo-agent", record.GetProperty("agent").GetString());
        using var query = await gw.Gateway.Admin().GetAsync("/admin/v1/tenants/demo/audit/query?agent=demo-agent&decision=refused:person_token_invalid");
        Assert.Single((await DecisionJson.ReadAsync(query, HttpStatusCode.OK)).GetProperty("records").EnumerateArray());
    }

    [Fact]
    public async Task Evaluate_PersonCheckThrowsRepeatedly_RecordsInternalErrorOncePerMinute()
    {
        await using var gw = await PersonGateway.StartAsync(configure: builder =>
            builder.Host.UseServiceProviderFactory(new WrappedStateStoreFactory((_, store) => InterceptedStateStore.Wrap(store, (method, args, call) =>
                method.Name == nameof(IStateStore.GetManyAsync) && args is [IReadOnlyList<string> keys, ..] && keys.Any(static k => k.StartsWith("console:suspended", StringComparison.Ordinal))
                    ? ValueTask.FromException<IReadOnlyList<string?>>(new InvalidOperationException("Injected: a bug in the suspension read."))
                    : call()))));
        var token = gw.Provider.Issue("erin@example.com");

        var requestIds = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            using var refused = await gw.PostAsPersonAsync("/v1/evaluate", Evaluate, token);
            await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.InternalServerError, ProblemCodes.InternalError);
            requestIds.Add(Assert.Single(refused.Headers.GetValues("X-Request-Id")));
        }

        var record = Assert.Single(await gw.Gateway.AuditRecordsAsync(requestIds[0]));
        Assert.Equal("refused:" + ProblemCodes.InternalError, record.GetProperty("decision").GetString());
        Assert.Empty(await gw.Gateway.AuditRecordsAsync(requestIds[1]));
        Assert.Empty(await gw.Gateway.AuditRecordsAsync(requestIds[2]));
    }
}
