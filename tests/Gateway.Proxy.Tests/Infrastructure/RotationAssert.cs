using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.Infrastructure;

/// <summary>
/// The two scenarios every rotation (of secrets or of keys) must pass, with the agent's current and next signer given
/// as functions that send one request each.
/// </summary>
public static class RotationAssert
{
    /// <summary>During the window both are answered; the audit record's <c>secret_slot</c> and the metric say which signed.</summary>
    public static async Task BothAcceptedAndRecordedAsync(GovernedGateway gw, Func<Task<HttpResponseMessage>> current, Func<Task<HttpResponseMessage>> next)
    {
        using var slots = new InstrumentTagListener<long>(gw.Host.Services.GetRequiredService<IMeterFactory>(), "gateway.auth.authenticated", "secret_slot");

        using var byCurrent = await current();
        using var byNext = await next();

        Assert.Equal(HttpStatusCode.OK, byCurrent.StatusCode);
        Assert.Equal(HttpStatusCode.OK, byNext.StatusCode);
        Assert.Equal("current", await gw.RecordedSecretSlotAsync(byCurrent));
        Assert.Equal("next", await gw.RecordedSecretSlotAsync(byNext));
        Assert.Equal(["current", "next"], slots.Values.Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// The current one is answered; <c>retire-secret</c> through <paramref name="admin"/> succeeds; from then on the
    /// current one is refused (401 <c>secret_retired</c>) and the next one answered.
    /// </summary>
    public static async Task RetiredThenOnlyNextAsync(HttpClient admin, Func<Task<HttpResponseMessage>> current, Func<Task<HttpResponseMessage>> next)
    {
        using (var before = await current())
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        using (var retire = await admin.PostAsync("/admin/v1/tenants/demo/agents/demo-agent/retire-secret", content: null))
        {
            Assert.Equal(HttpStatusCode.OK, retire.StatusCode);
        }

        using var refused = await current();
        using var accepted = await next();
        await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.Unauthorized, "secret_retired");
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
    }
}
