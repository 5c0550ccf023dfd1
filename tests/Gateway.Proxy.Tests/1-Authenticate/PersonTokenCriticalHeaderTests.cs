using System.Net;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Proxy.Tests.Authenticate;

/// <summary>
/// RFC 7515 §4.1.11 on a provider's identity token: the gateway understands no header extension, so a token whose header
/// carries <c>crit</c>, well formed or not, is refused as an invalid token is; an unknown header member that is not
/// critical is ignored.
/// </summary>
public sealed class PersonTokenCriticalHeaderTests
{
    private const string Evaluate = """{"tool":"crm.read_contact","args":{"id":"c-1"}}""";

    [Fact]
    public async Task Evaluate_UnknownHeaderMemberNotCritical_IsAccepted()
    {
        await using var gw = await PersonGateway.StartAsync();

        using var response = await gw.PostAsPersonAsync("/v1/evaluate", Evaluate, Token(gw.Provider, new() { ["ext"] = 1 }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    public static TheoryData<string> CriticalHeaders() => ["listed extension", "empty", "standard name", "not a list"];

    [Theory]
    [MemberData(nameof(CriticalHeaders))]
    public async Task Evaluate_PersonTokenWithCriticalHeader_Is401PersonTokenInvalid(string kind)
    {
        await using var gw = await PersonGateway.StartAsync();
        Dictionary<string, object> header = kind switch
        {
            "listed extension" => new() { ["crit"] = new[] { "ext" }, ["ext"] = 1 },
            "empty" => new() { ["crit"] = Array.Empty<string>() },
            "standard name" => new() { ["crit"] = new[] { "alg" } },
            _ => new() { ["crit"] = "ext", ["ext"] = 1 },
        };

        using var response = await gw.PostAsPersonAsync("/v1/actions/invoke-tool", Evaluate, Token(gw.Provider, header));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "person_token_invalid");
        Assert.Empty(gw.Gateway.Upstream.To("/crm"));
    }

    /// <summary>A token the provider signs for erin, valid in every claim, with <paramref name="header"/> added to its header.</summary>
    private static string Token(TestOpenIdProvider provider, Dictionary<string, object> header)
    {
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = provider.Issuer,
            Audience = TestOpenIdProvider.Audience,
            Claims = new Dictionary<string, object> { ["sub"] = "erin@example.com" },
            IssuedAt = now.AddSeconds(-1),
            NotBefore = now.AddSeconds(-1),
            Expires = now.AddMinutes(10),
            SigningCredentials = new SigningCredentials(provider.SigningKey, SecurityAlgorithms.RsaSha256),
            AdditionalHeaderClaims = header,
        });
    }
}
