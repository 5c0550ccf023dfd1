using System.Text.Json.Nodes;
using Gateway.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Gamut.Agent.Tests;

/// <summary>
/// A person's token that is not a compact JWS (three base64url parts, the only shape the gateway accepts) is refused
/// before anything is sent, as configuration and without repeating it: whether given to <see cref="GamutClient.ForPerson"/>,
/// per call, or as an <c>X-Gamut-Person</c> header a provider-native client sets. A stand-in gateway (a real Kestrel
/// server on loopback) counts what reaches it: a CR/LF in the token would otherwise write header lines of its own.
/// </summary>
public sealed class PersonTokenShapeTests : IAsyncLifetime
{
    private const string Valid = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJlcmluIn0.c2lnbmF0dXJl";

    private KestrelUpstream _gateway = null!;
    private int _received;

    public static TheoryData<string> NotCompactJws => new()
    {
        Valid + "\r\nX-Injected: 1",
        Valid + "\n",
        "\t" + Valid,
        "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJlcmluIn0",
        "eyJhbGci.eyJzdWIi.c2ln.bmF0",
        "eyJhbGci.eyJ zdWIi.c2lnbmF0dXJl",
        "eyJhbGci.eyJzdWIi.c2lnbmF0dXJl\u00e9",
        "eyJhbGci." + new string('a', 70_000) + ".c2ln",
        " ",
        "",
    };

    public async Task InitializeAsync() =>
        _gateway = await KestrelUpstream.StartAsync(app => app.Run(context =>
        {
            Interlocked.Increment(ref _received);
            return Results.Json(new { decision = "allow", invoked = false }).ExecuteAsync(context);
        }));

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Theory]
    [MemberData(nameof(NotCompactJws))]
    public void ForPerson_NotACompactJws_IsRefusedWithoutRepeatingIt(string token)
    {
        using var agent = Agent();

        var refused = Assert.Throws<GamutConfigurationException>(() => agent.ForPerson(token));

        AssertRefusal(refused, token);
    }

    [Fact]
    public void ForPerson_Null_IsRefused()
    {
        using var agent = Agent();

        var refused = Assert.Throws<GamutConfigurationException>(() => agent.ForPerson(null!));

        Assert.Equal("configuration_refused", refused.Code);
    }

    [Theory]
    [MemberData(nameof(NotCompactJws))]
    public async Task EvaluateAsync_PersonTokenPerCallNotACompactJws_IsRefusedBeforeSending(string token)
    {
        using var agent = Agent();

        var refused = await Assert.ThrowsAsync<GamutConfigurationException>(() =>
            agent.EvaluateAsync("crm.read_contact", new JsonObject { ["id"] = "7" }, new ToolCallOptions { PersonToken = token }));

        AssertRefusal(refused, token);
        Assert.Equal(0, _received);
    }

    [Fact]
    public async Task InvokeToolAsync_PersonTokenPerCallWithCrLf_IsRefusedBeforeSending()
    {
        using var agent = Agent();
        const string token = Valid + "\r\nX-Injected: 1";

        var refused = await Assert.ThrowsAsync<GamutConfigurationException>(() =>
            agent.InvokeToolAsync("crm.read_contact", null, new ToolCallOptions { PersonToken = token }));

        AssertRefusal(refused, token);
        Assert.Equal(0, _received);
    }

    [Fact]
    public async Task CreateSigningHandler_CallerSetPersonHeaderWithCrLf_IsRefusedBeforeSending()
    {
        using var agent = Agent();
        using var http = new HttpClient(agent.CreateSigningHandler());
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_gateway.BaseUri, "v1/evaluate")) { Content = new StringContent("{}") };
        const string token = Valid + "\r\nX-Injected: 1";
        request.Headers.TryAddWithoutValidation(AgentSignature.PersonHeader, token);

        var refused = await Assert.ThrowsAsync<GamutConfigurationException>(() => http.SendAsync(request));

        AssertRefusal(refused, token);
        Assert.Equal(0, _received);
    }

    [Fact]
    public async Task ForPerson_CompactJws_IsSent()
    {
        using var agent = Agent();
        using var erin = agent.ForPerson(Valid);

        await Assert.ThrowsAsync<GamutIdentityMismatchException>(() => erin.EvaluateAsync("crm.read_contact"));

        Assert.Equal(1, _received);
    }

    private GamutClient Agent() => new(new GamutOptions
    {
        BaseUrl = _gateway.BaseUri.GetLeftPart(UriPartial.Authority),
        Tenant = "demo",
        Workspace = "ws-demo",
        AgentId = "demo-agent",
        Secret = "demo-secret-do-not-use-in-production-0123456789",
    });

    private static void AssertRefusal(GamutConfigurationException refused, string token)
    {
        Assert.Equal("configuration_refused", refused.Code);
        Assert.Contains("compact JWS", refused.Message, StringComparison.Ordinal);
        if (token.Trim().Length > 0)
        {
            Assert.DoesNotContain(token.Trim(), refused.Message, StringComparison.Ordinal);
        }
    }
}
