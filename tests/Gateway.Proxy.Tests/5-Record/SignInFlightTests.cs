using System.Net;
using System.Text.Json;
using Gateway.Policy.Evidence;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Testing;
using Microsoft.Extensions.Configuration;

namespace Gateway.Proxy.Tests.Record;

/// <summary>
/// <c>Gateway:Evidence:SignInFlight</c> through the running gateway on a real redis-server: allowed and refused requests
/// sent together each get a receipt that verifies with the published keys, and the admin API gives back each one exactly
/// as the agent got it, from the batches stored by their own calls.
/// </summary>
[Collection(ReplicaCollection.Name)]
public sealed class SignInFlightTests
{
    [Fact]
    public async Task Requests_SignedInFlight_EachReceiptVerifiesAndIsStoredAsTheAgentGotIt()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var gw = await GovernedGateway.StartAsync(configure: builder => builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Gateway:Store:Kind"] = "redis",
            ["Gateway:Store:Redis:Endpoint"] = redis.Endpoint,
            ["Gateway:Audit:Sink"] = "store",
            ["Gateway:Evidence:SignInFlight"] = "true",
        }));
        using var keysResponse = await gw.Host.Client.GetAsync("/.well-known/gamut-receipt-keys.json");
        var keys = EvidenceKeySet.Parse(await keysResponse.Content.ReadAsStringAsync());

        var sent = Enumerable.Range(0, 24).Select(async i =>
        {
            var body = i % 3 == 0
                ? """{"tool":"mail.send","args":{"to":"x@gmail.com","body":"hi"}}"""
                : """{"tool":"crm.read_contact","args":{"id":"42"}}""";
            using var response = await gw.Agent.PostJsonAsync("/v1/evaluate", body);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return Assert.Single(response.Headers.GetValues("Gamut-Receipt"));
        });
        var receipts = await Task.WhenAll(sent);

        using var admin = gw.Admin();
        foreach (var receipt in receipts)
        {
            Assert.True(DecisionReceipt.TryVerify(receipt, keys, out var claims, out var error), error);
            using var stored = await admin.GetAsync($"/admin/v1/tenants/demo/audit/receipts?request_id={claims!.RequestId}");
            var text = await stored.Content.ReadAsStringAsync();
            Assert.True(stored.IsSuccessStatusCode, text);
            var one = Assert.Single(JsonDocument.Parse(text).RootElement.GetProperty("receipts").EnumerateArray());
            Assert.Equal(receipt, one.GetProperty("receipt").GetString());
        }
    }
}
