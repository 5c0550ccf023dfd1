using System.Net;
using Gateway.Connectors.Signing;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Authenticate;

/// <summary>
/// <c>X-Gamut-Run</c> is covered by the signature, whichever scheme proves the agent: a run header the v1 canonical string
/// leaves out, one an RFC 9421 signature does not cover, and a malformed one are each refused with their own code before
/// anything is looked up, and nothing reaches an upstream.
/// </summary>
public sealed class RunSignatureTests
{
    private const string Evaluate = """{"tool":"crm.read_contact","args":{"id":"c-1"}}""";
    private const string Run = "run-0f1e2d3c4b5a69788796a5b4c3d2e1f0";

    [Fact]
    public async Task Evaluate_RunHeaderAddedAfterSigning_IsRefused()
    {
        await using var gw = await GovernedGateway.StartAsync();
        using var request = gw.Agent.Create(HttpMethod.Post, "/v1/evaluate", Evaluate);
        request.Headers.Add(SignatureHeaders.Run, Run);

        using var response = await gw.Agent.SendAsync(request);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "signature_mismatch");
    }

    [Theory]
    [InlineData("run-0F1E2D3C4B5A69788796A5B4C3D2E1F0")]
    [InlineData("run-42")]
    [InlineData("0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e")]
    public async Task InvokeTool_MalformedRunHeader_IsRefused(string run)
    {
        await using var gw = await GovernedGateway.StartAsync();
        using var request = gw.Agent.CreateInRun(HttpMethod.Post, "/v1/actions/invoke-tool", Evaluate, run);

        using var response = await gw.Agent.SendAsync(request);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "malformed_header");
        Assert.Empty(gw.Upstream.Received);
    }

    [Fact]
    public async Task InvokeTool_RunHeaderTheMessageSignatureDoesNotCover_IsRefused()
    {
        await using var gw = await GovernedGateway.StartAsync(MessageSignatureTests.WithKey(VectorKeyPair.Ed25519));
        var agent = new MessageSigningClient(gw.Host.Client, VectorKeyPair.Ed25519);
        using var request = agent.Create(HttpMethod.Post, "/v1/actions/invoke-tool", Evaluate);
        request.Headers.Add(SignatureHeaders.Run, Run);

        using var response = await agent.SendAsync(request);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "signature_component_missing");
        Assert.Empty(gw.Upstream.Received);
    }

    [Fact]
    public async Task InvokeTool_MessageSignatureOverAnotherRun_IsRefused()
    {
        await using var gw = await GovernedGateway.StartAsync(MessageSignatureTests.WithKey(VectorKeyPair.Ed25519));
        var agent = new MessageSigningClient(gw.Host.Client, VectorKeyPair.Ed25519);
        using var request = agent.Create(HttpMethod.Post, "/v1/actions/invoke-tool", Evaluate, run: Run,
            signedOver: p => p with { Run = "run-" + new string('a', 32) });

        using var response = await agent.SendAsync(request);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "signature_mismatch");
        Assert.Empty(gw.Upstream.Received);
    }
}
