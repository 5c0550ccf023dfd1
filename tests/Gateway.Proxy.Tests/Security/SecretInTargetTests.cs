using System.Net;
using System.Text;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Security;

/// <summary>
/// Finding 1 of the attack review: the agent's runtime secret in a request target. A correctly signed
/// request that carries the secret in its path (as sent, or percent-encoded at any depth the describe stage
/// or an upstream might decode) or its query is refused with 401 <c>secret_presented_otherwise</c> on every
/// agent route, and nothing reaches an upstream (whose access logs would otherwise keep the secret).
/// </summary>
public sealed class SecretInTargetTests : IClassFixture<GovernedGatewayFixture>
{
    private readonly GovernedGateway _gw;

    public SecretInTargetTests(GovernedGatewayFixture fixture) => _gw = fixture.Gateway;

    public static TheoryData<string> Spellings => new()
    {
        "verbatim",
        "every-character-encoded",
        "last-character-encoded",
        "encoded-twice",
        "encoded-three-times",
    };

    [Theory]
    [MemberData(nameof(Spellings))]
    public async Task Providers_SecretInPathSegment_IsRefusedAndNothingForwarded(string spelling)
    {
        var before = _gw.Upstream.Received.Count;
        var target = "/providers/crm.read_contact/contacts/" + Spell(_gw.RogueSecret, spelling);

        using var response = await _gw.Rogue.SendAsync(_gw.Rogue.CreateRaw(HttpMethod.Get, target));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "secret_presented_otherwise");
        Assert.Equal(before, _gw.Upstream.Received.Count);
        Assert.DoesNotContain(_gw.Upstream.Received, r => r.Target.Contains(_gw.RogueSecret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Providers_SecretInsideALongerSegment_IsRefused()
    {
        var before = _gw.Upstream.Received.Count;

        using var response = await _gw.Rogue.SendAsync(_gw.Rogue.CreateRaw(HttpMethod.Get, "/providers/crm.read_contact/contacts/x-" + _gw.RogueSecret + "-y"));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "secret_presented_otherwise");
        Assert.Equal(before, _gw.Upstream.Received.Count);
    }

    [Theory]
    [MemberData(nameof(Spellings))]
    public async Task Providers_SecretInQuery_IsRefusedAndNothingForwarded(string spelling)
    {
        var before = _gw.Upstream.Received.Count;

        using var response = await _gw.Rogue.SendAsync(_gw.Rogue.CreateRaw(HttpMethod.Get, "/providers/crm.read_contact/contacts/42?note=" + Spell(_gw.RogueSecret, spelling)));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "secret_presented_otherwise");
        Assert.Equal(before, _gw.Upstream.Received.Count);
    }

    [Theory]
    [MemberData(nameof(Spellings))]
    public async Task ApprovalPoll_SecretInPath_IsRefused(string spelling)
    {
        using var response = await _gw.Rogue.SendAsync(_gw.Rogue.CreateRaw(HttpMethod.Get, "/v1/approvals/" + Spell(_gw.RogueSecret, spelling)));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "secret_presented_otherwise");
    }

    [Fact]
    public async Task Evaluate_SecretEncodedTwiceInQuery_IsRefused()
    {
        using var response = await _gw.Rogue.SendAsync(_gw.Rogue.CreateRaw(HttpMethod.Post, "/v1/evaluate?trace=" + Spell(_gw.RogueSecret, "encoded-twice"),
            """{"tool":"crm.read_contact","args":{"id":"42"}}"""));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "secret_presented_otherwise");
    }

    [Fact]
    public async Task Providers_PathWithoutTheSecret_StillReachesTheUpstream()
    {
        // The control: the same route and operation without the secret is forwarded.
        var id = "c-" + Guid.NewGuid().ToString("N");

        using var response = await _gw.Agent.SendAsync(_gw.Agent.CreateRaw(HttpMethod.Get, "/providers/crm.read_contact/contacts/" + id));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single(_gw.Upstream.To("/crm/contacts/" + id));
    }

    private static string Spell(string secret, string spelling) => spelling switch
    {
        "verbatim" => secret,
        "every-character-encoded" => EncodeAll(secret),
        "last-character-encoded" => secret[..^1] + EncodeAll(secret[^1..]),
        "encoded-twice" => EncodeAll(secret).Replace("%", "%25", StringComparison.Ordinal),
        "encoded-three-times" => EncodeAll(secret).Replace("%", "%2525", StringComparison.Ordinal),
        _ => throw new ArgumentOutOfRangeException(nameof(spelling)),
    };

    private static string EncodeAll(string text)
    {
        var builder = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            builder.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
        }

        return builder.ToString();
    }
}
