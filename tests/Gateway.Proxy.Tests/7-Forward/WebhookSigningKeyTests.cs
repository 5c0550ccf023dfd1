using System.Net;
using System.Text;
using Gamut.Agent.Upstream;
using Gateway.Policy.Tokens;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace Gateway.Proxy.Tests.Forward;

/// <summary>
/// A webhook call is signed with its tenant's webhook key (<c>Gateway:Webhooks:Keys</c>, <c>tenant</c> by default): a receiver
/// holding that key verifies it with the SDK's verifier, while the service key and another tenant's key do not, so one
/// tenant's receivers cannot sign calls another's accept; <c>shared</c> signs with the service key, as before.
/// </summary>
public sealed class WebhookSigningKeyTests
{
    private const string Mail = """{"tool":"mail.send","args":{"to":"ops@example.com","body":"hi"}}""";

    [Fact]
    public async Task WebhookCall_DefaultKeys_VerifiesWithItsTenantsKeyAloneAndNotTheServiceKey()
    {
        await using var gw = await GovernedGateway.StartAsync(Shadow);

        var call = await SendMailAsync(gw);

        Assert.True((await VerifyAsync(call, WebhookKey.ForTenant(gw.ServiceKey, "demo"))).IsValid);
        Assert.Equal("bad_signature", (await VerifyAsync(call, gw.ServiceKey)).Failure);
        Assert.Equal("bad_signature", (await VerifyAsync(call, WebhookKey.ForTenant(gw.ServiceKey, "acme"))).Failure);
    }

    [Fact]
    public async Task WebhookCall_SharedKeys_VerifiesWithTheServiceKey()
    {
        await using var gw = await GovernedGateway.StartAsync(Shadow, builder =>
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Gateway:Webhooks:Keys"] = "shared" }));

        var call = await SendMailAsync(gw);

        Assert.True((await VerifyAsync(call, gw.ServiceKey)).IsValid);
        Assert.Equal("bad_signature", (await VerifyAsync(call, WebhookKey.ForTenant(gw.ServiceKey, "demo"))).Failure);
    }

    // The example tenant in shadow mode: mail.send is forwarded without its approval.
    private static string Shadow(string bundle) => bundle.Replace("simulate: false", "simulate: true", StringComparison.Ordinal);

    private static async Task<ReceivedRequest> SendMailAsync(GovernedGateway gw)
    {
        using var response = await gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", Mail);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return Assert.Single(gw.Upstream.To("/mail"));
    }

    private static ValueTask<WebhookVerification> VerifyAsync(ReceivedRequest call, byte[] key) =>
        new WebhookSignatureVerifier(key, new InMemoryNonceStore()).VerifyAsync(
            call.Method, call.Target, name => call.Headers.TryGetValue(name, out var value) ? value : null, Encoding.UTF8.GetBytes(call.Body));
}
