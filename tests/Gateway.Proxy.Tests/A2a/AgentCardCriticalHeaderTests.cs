using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Gateway.Proxy.A2a;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.A2a;

/// <summary>
/// RFC 7515 §4.1.11 on a remote agent card's signatures: the card verifier understands no header extension, so a
/// signature whose header carries <c>crit</c> (well formed or not, protected or not) or repeats a member is refused as
/// a signature that does not verify is.
/// </summary>
public sealed class AgentCardCriticalHeaderTests
{
    private const string Plain = """{"alg":"ES256","kid":"helper-1"}""";

    [Fact]
    public void RefusalOf_PlainProtectedHeader_Verifies()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        Assert.Null(AgentCardSignatures.RefusalOf(SignedCard(key, Plain), PinnedJwk(key)));
    }

    [Theory]
    [InlineData("""{"alg":"ES256","crit":["exp"],"exp":1}""")]
    [InlineData("""{"alg":"ES256","crit":["b64"],"b64":false}""")]
    [InlineData("""{"alg":"ES256","crit":[]}""")]
    [InlineData("""{"alg":"ES256","crit":["alg"]}""")]
    [InlineData("""{"alg":"ES256","crit":["x","x"],"x":1}""")]
    [InlineData("""{"alg":"ES256","crit":["absent"]}""")]
    [InlineData("""{"alg":"ES256","crit":"exp","exp":1}""")]
    [InlineData("""{"alg":"ES256","alg":"ES256"}""")]
    public void RefusalOf_ProtectedHeaderItCannotProcess_IsRefused(string header)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        Assert.NotNull(AgentCardSignatures.RefusalOf(SignedCard(key, header), PinnedJwk(key)));
    }

    [Fact]
    public void RefusalOf_CritInTheUnprotectedHeader_IsRefused()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var card = SignedCard(key, Plain);
        ((JsonObject)card["signatures"]![0]!)["header"] = new JsonObject { ["crit"] = new JsonArray("exp"), ["exp"] = 1 };

        Assert.NotNull(AgentCardSignatures.RefusalOf(card, PinnedJwk(key)));
    }

    [Fact]
    public async Task AgentCard_RemoteSignatureWithCriticalHeader_IsRefusedAsUnverified()
    {
        await using var setup = await A2aRouteTests.StartAsync(signed: true);
        setup.Agent.CardHeader = """{"alg":"ES256","kid":"helper-1","crit":["exp"],"exp":1}""";

        using var response = await setup.Gateway.Agent.SendAsync(setup.Gateway.Agent.Create(HttpMethod.Get, "/a2a/helper/.well-known/agent-card.json"));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadGateway, "a2a_card_unverified");
    }

    private static JsonObject SignedCard(ECDsa key, string header)
    {
        var card = new JsonObject { ["name"] = "Helper", ["skills"] = new JsonArray(new JsonObject { ["id"] = "summarize" }) };
        var protectedHeader = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(header));
        var input = Encoding.ASCII.GetBytes(protectedHeader + "." + Base64Url.EncodeToString(AgentCardSignatures.Payload(card)));
        var signature = key.SignData(input, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        card["signatures"] = new JsonArray(new JsonObject { ["protected"] = protectedHeader, ["signature"] = Base64Url.EncodeToString(signature) });
        return card;
    }

    private static string PinnedJwk(ECDsa key)
    {
        var p = key.ExportParameters(includePrivateParameters: false);
        return "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"" + Base64Url.EncodeToString(p.Q.X) + "\",\"y\":\"" + Base64Url.EncodeToString(p.Q.Y) + "\"}";
    }
}
