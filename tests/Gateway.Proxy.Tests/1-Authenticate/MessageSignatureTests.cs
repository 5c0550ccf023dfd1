using System.Net;
using System.Text;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Authenticate;

/// <summary>
/// The RFC 9421 profile end to end on the real gateway: the demo agent registered with a public key (Ed25519, or P-256
/// for <see cref="Evaluate_SignedWithEachAlgorithm_IsAnswered"/>) signs with it; each covered component altered after
/// signing, a component left uncovered, a replayed nonce, a stale <c>created</c>, another key id or algorithm, the
/// other scheme and a request signed for another gateway's origin are each refused with their own stable code, and nothing
/// reaches an upstream.
/// </summary>
public sealed class MessageSignatureTests
{
    private const string Evaluate = """{"tool":"crm.read_contact","args":{"id":"c-1"}}""";

    /// <summary>The demo agent registered with <paramref name="key"/> instead of its secret.</summary>
    public static Func<string, string> WithKey(VectorKeyPair key, string? extra = null) => text => text.Replace(
        "secret: file:secrets/demo-agent.secret",
        "public_key: " + key.BundleEntry + (extra is null ? string.Empty : "\n    " + extra),
        StringComparison.Ordinal);

    [Theory]
    [InlineData("ed25519-demo")]
    [InlineData("p256-demo")]
    public async Task Evaluate_SignedWithEachAlgorithm_IsAnswered(string keyName)
    {
        var key = keyName == VectorKeyPair.Ed25519.Name ? VectorKeyPair.Ed25519 : VectorKeyPair.P256;
        await using var gw = await GovernedGateway.StartAsync(WithKey(key));
        var agent = new MessageSigningClient(gw.Host.Client, key);

        using var response = await agent.PostJsonAsync("/v1/evaluate", Evaluate);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task InvokeTool_SignedWithKey_ReachesTheUpstreamWithoutTheSignatureHeaders()
    {
        await using var gw = await GovernedGateway.StartAsync(WithKey(VectorKeyPair.Ed25519));
        var agent = new MessageSigningClient(gw.Host.Client, VectorKeyPair.Ed25519);

        using var response = await agent.PostJsonAsync("/v1/actions/invoke-tool", Evaluate);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var received = Assert.Single(gw.Upstream.To("/crm"));
        Assert.DoesNotContain(received.Headers.Keys, h => h.StartsWith("Signature", StringComparison.OrdinalIgnoreCase) || h.Equals("Content-Digest", StringComparison.OrdinalIgnoreCase));
    }

    public static TheoryData<string> TamperedComponents() => ["@method", "@target-uri", "content-digest", "x-gamut-tenant", "x-gamut-workspace", "x-gamut-agent"];

    [Theory]
    [MemberData(nameof(TamperedComponents))]
    public async Task Evaluate_CoveredComponentDiffersFromWhatWasSigned_IsRefused(string component)
    {
        await using var gw = await GovernedGateway.StartAsync(WithKey(VectorKeyPair.Ed25519));
        var agent = new MessageSigningClient(gw.Host.Client, VectorKeyPair.Ed25519);
        using var request = agent.Create(HttpMethod.Post, "/v1/evaluate", Evaluate, signedOver: p => component switch
        {
            "@method" => p with { Method = "PUT" },
            "@target-uri" => p with { TargetUri = p.TargetUri.Replace("/v1/evaluate", "/v1/actions/invoke-tool", StringComparison.Ordinal) },
            "content-digest" => p with { ContentDigest = MessageSigningClient.Digest(Encoding.UTF8.GetBytes("""{"tool":"payments.refund"}""")) },
            "x-gamut-tenant" => p with { Tenant = "acme" },
            "x-gamut-workspace" => p with { Workspace = "ws-other" },
            _ => p with { Agent = "rogue-agent" },
        });

        using var response = await agent.SendAsync(request);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "signature_mismatch");
        Assert.Empty(gw.Upstream.Received);
    }

    [Fact]
    public async Task Evaluate_AbsoluteFormTargetSignedForAnotherGateway_IsRefused()
    {
        await using var gw = await GovernedGateway.StartAsync(WithKey(VectorKeyPair.Ed25519));
        var agent = new MessageSigningClient(gw.Host.Client, VectorKeyPair.Ed25519);
        using var request = agent.Create(HttpMethod.Post, "/v1/evaluate", Evaluate, signedOver: p => p with { TargetUri = "https://a.example/v1/evaluate" });
        await using var connection = await RawHttpConnection.OpenAsync(gw.Host.BaseAddress);

        // Sent as the other gateway's request was signed: its origin in the request line (and Host, as Kestrel requires).
        await connection.WriteAsync(request, "https://a.example/v1/evaluate", "a.example");
        var answer = await connection.ReadAnswerAsync();

        Assert.StartsWith("HTTP/1.1 401", answer, StringComparison.Ordinal);
        Assert.Contains("\"code\":\"signature_mismatch\"", answer, StringComparison.Ordinal);
        Assert.Empty(gw.Upstream.Received);
    }

    [Fact]
    public async Task Evaluate_AbsoluteFormTargetOnTheGatewaysOwnOrigin_IsAnswered()
    {
        await using var gw = await GovernedGateway.StartAsync(WithKey(VectorKeyPair.Ed25519));
        var agent = new MessageSigningClient(gw.Host.Client, VectorKeyPair.Ed25519);
        using var request = agent.Create(HttpMethod.Post, "/v1/evaluate?view=full", Evaluate);
        await using var connection = await RawHttpConnection.OpenAsync(gw.Host.BaseAddress);

        await connection.WriteAsync(request, request.RequestUri!.AbsoluteUri, gw.Host.BaseAddress.Authority);
        var answer = await connection.ReadAnswerAsync();

        Assert.StartsWith("HTTP/1.1 200", answer, StringComparison.Ordinal);
        Assert.Contains("\"decision\":\"allow\"", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeTool_BodyReplacedAfterSigning_IsRefusedByItsDigest()
    {
        await using var gw = await GovernedGateway.StartAsync(WithKey(VectorKeyPair.Ed25519));
        var agent = new MessageSigningClient(gw.Host.Client, VectorKeyPair.Ed25519);
        using var request = agent.Create(HttpMethod.Post, "/v1/actions/invoke-tool", Evaluate);
        request.Content = new StringContent("""{"tool":"crm.read_contact","args":{"id":"c-2"}}""", Encoding.UTF8, "application/json");

        using var response = await agent.SendAsync(request);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "content_digest_mismatch");
        Assert.Empty(gw.Upstream.Received);
    }

    public static TheoryData<string> TamperedParameters() => ["created", "nonce", "keyid"];

    [Theory]
    [MemberData(nameof(TamperedParameters))]
    public async Task Evaluate_SignatureParameterChangedAfterSigning_IsRefused(string parameter)
    {
        // The next key is registered so that a changed keyid still names a key: the signature must then fail, not the lookup.
        await using var gw = await GovernedGateway.StartAsync(WithKey(VectorKeyPair.Ed25519, "next_public_key: " + VectorKeyPair.P256.BundleEntry));
        var agent = new MessageSigningClient(gw.Host.Client, VectorKeyPair.Ed25519);
        using var request = agent.Create(HttpMethod.Post, "/v1/evaluate", Evaluate, sentParameters: p => parameter switch
        {
            "created" => p with { Created = p.Created - 1 },
            "nonce" => p with { Nonce = p.Nonce + "x" },
            _ => p with { KeyId = VectorKeyPair.P256.KeyId, Algorithm = VectorKeyPair.P256.Algorithm },
        });

        using var response = await agent.SendAsync(request);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "signature_mismatch");
    }

    [Theory]
    [MemberData(nameof(TamperedComponents))]
    public async Task Evaluate_SignatureNotCoveringARequiredComponent_IsRefused(string component)
    {
        await using var gw = await GovernedGateway.StartAsync(WithKey(VectorKeyPair.Ed25519));
        var agent = new MessageSigningClient(gw.Host.Client, VectorKeyPair.Ed25519);
        using var request = agent.Create(HttpMethod.Post, "/v1/evaluate", Evaluate,
            signedOver: p => p with { Components = [.. p.Components.Where(c => c != component)] });

        using var response = await agent.SendAsync(request);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "signature_component_missing");
        Assert.Contains(component, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Evaluate_SignatureCoveringAComponentOutsideTheProfile_IsRefused()
    {
        await using var gw = await GovernedGateway.StartAsync(WithKey(VectorKeyPair.Ed25519));
        var agent = new MessageSigningClient(gw.Host.Client, VectorKeyPair.Ed25519);
        using var request = agent.Create(HttpMethod.Post, "/v1/evaluate", Evaluate,
            sentParameters: p => p with { Components = [.. p.Components, "@authority"] });

        using var response = await agent.SendAsync(request);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "signature_component_unsupported");
    }

    [Fact]
    public async Task Evaluate_ReplayedRequest_IsRefusedTheSecondTime()
    {
        await using var gw = await GovernedGateway.StartAsync(WithKey(VectorKeyPair.Ed25519));
        var agent = new MessageSigningClient(gw.Host.Client, VectorKeyPair.Ed25519);
        using var first = agent.Create(HttpMethod.Post, "/v1/evaluate", Evaluate);
        using var replay = await AgentClient.CloneAsync(first);

        using var accepted = await agent.SendAsync(first);
        using var refused = await agent.SendAsync(replay);

        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.Unauthorized, "replayed_nonce");
    }

    [Fact]
    public async Task Evaluate_CreatedOutsideTheClockSkew_IsRefused()
    {
        await using var gw = await GovernedGateway.StartAsync(WithKey(VectorKeyPair.Ed25519));
        var agent = new MessageSigningClient(gw.Host.Client, VectorKeyPair.Ed25519);

        using var response = await agent.SendAsync(agent.Create(HttpMethod.Post, "/v1/evaluate", Evaluate, created: DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 301));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "stale_timestamp");
    }

    [Fact]
    public async Task Evaluate_SignedWithAnUnregisteredKeyOrAnotherAlgorithm_IsRefused()
    {
        await using var gw = await GovernedGateway.StartAsync(WithKey(VectorKeyPair.Ed25519));
        var otherKey = new MessageSigningClient(gw.Host.Client, VectorKeyPair.P256);
        var agent = new MessageSigningClient(gw.Host.Client, VectorKeyPair.Ed25519);

        using var unknown = await otherKey.PostJsonAsync("/v1/evaluate", Evaluate);
        using var wrongAlgorithm = await agent.SendAsync(agent.Create(HttpMethod.Post, "/v1/evaluate", Evaluate, signedOver: p => p with { Algorithm = "ecdsa-p256-sha256" }));

        await ProblemAssert.IsProblemAsync(unknown, HttpStatusCode.Unauthorized, "unknown_key_id");
        await ProblemAssert.IsProblemAsync(wrongAlgorithm, HttpStatusCode.Unauthorized, "key_algorithm_mismatch");
    }

    [Fact]
    public async Task Evaluate_EachAgentSigningTheOtherWay_IsRefused()
    {
        await using var gw = await GovernedGateway.StartAsync(WithKey(VectorKeyPair.Ed25519));
        var keyAgentWithHmac = new AgentClient(gw.Host.Client, gw.Bundle.AgentSecret);
        var secretAgentWithKey = new MessageSigningClient(gw.Host.Client, VectorKeyPair.Ed25519, agent: "rogue-agent");

        using var hmac = await keyAgentWithHmac.PostJsonAsync("/v1/evaluate", Evaluate);
        using var rfc9421 = await secretAgentWithKey.PostJsonAsync("/v1/evaluate", Evaluate);

        await ProblemAssert.IsProblemAsync(hmac, HttpStatusCode.Unauthorized, "signature_scheme_mismatch");
        await ProblemAssert.IsProblemAsync(rfc9421, HttpStatusCode.Unauthorized, "signature_scheme_mismatch");
    }

    [Fact]
    public async Task Token_SignedRequestWithTheKey_IssuesATokenAndItsReplayIsRefused()
    {
        await using var gw = await GovernedGateway.StartAsync(WithKey(VectorKeyPair.Ed25519));
        var agent = new MessageSigningClient(gw.Host.Client, VectorKeyPair.Ed25519);
        var form = "grant_type=client_credentials&resource=" + Uri.EscapeDataString(gw.Host.BaseAddress.GetLeftPart(UriPartial.Authority) + "/mcp");
        using var request = agent.Create(HttpMethod.Post, "/oauth/token", form, contentType: "application/x-www-form-urlencoded");
        using var replay = await AgentClient.CloneAsync(request);

        using var issued = await agent.SendAsync(request);
        using var replayed = await agent.SendAsync(replay);

        Assert.Equal(HttpStatusCode.OK, issued.StatusCode);
        Assert.Contains("access_token", await issued.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, replayed.StatusCode);
    }

    [Fact]
    public async Task Evaluate_MalformedSignatureInputOrMissingDigest_IsRefused()
    {
        await using var gw = await GovernedGateway.StartAsync(WithKey(VectorKeyPair.Ed25519));
        var agent = new MessageSigningClient(gw.Host.Client, VectorKeyPair.Ed25519);
        using var malformed = agent.Create(HttpMethod.Post, "/v1/evaluate", Evaluate);
        malformed.Headers.Remove("Signature-Input");
        malformed.Headers.TryAddWithoutValidation("Signature-Input", "sig1=(\"@method\"");
        using var noDigest = agent.Create(HttpMethod.Post, "/v1/evaluate", Evaluate);
        noDigest.Headers.Remove("Content-Digest");

        using var malformedResponse = await agent.SendAsync(malformed);
        using var noDigestResponse = await agent.SendAsync(noDigest);

        await ProblemAssert.IsProblemAsync(malformedResponse, HttpStatusCode.Unauthorized, "malformed_header");
        await ProblemAssert.IsProblemAsync(noDigestResponse, HttpStatusCode.Unauthorized, "missing_header");
    }
}
