using System.Net;
using System.Text.Json;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Hosting;

/// <summary>
/// A delegated child registered with a public key (<c>public_key</c> on <c>POST /v1/delegations</c>): no secret is minted,
/// the answer names the key by its fingerprint, and the child signs with RFC 9421 under its own id as <c>keyid</c>,
/// governed exactly as a secret child is: within its grant, refused beyond it, a tampered or otherwise-signed request
/// refused, and gone once revoked.
/// </summary>
public sealed class DelegationKeyTests : IAsyncLifetime
{
    private const string ReadContact = """{"tool":"crm.read_contact","args":{"id":"c-1"}}""";
    private GovernedGateway _gw = null!;

    public async Task InitializeAsync() => _gw = await GovernedGateway.StartAsync();

    public async Task DisposeAsync() => await _gw.DisposeAsync();

    [Theory]
    [InlineData("ed25519-demo")]
    [InlineData("p256-demo")]
    public async Task Delegate_WithPublicKey_Returns201WithTheKeysFingerprintAndNoSecret(string keyName)
    {
        var key = Key(keyName);

        var issued = await IssueAsync(key);

        var child = issued.GetProperty("agent").GetString()!;
        Assert.False(issued.TryGetProperty("secret", out _));
        var publicKey = issued.GetProperty("delegation").GetProperty("public_key");
        Assert.Equal(key.Algorithm, publicKey.GetProperty("alg").GetString());
        Assert.Equal(child, publicKey.GetProperty("key_id").GetString());
        Assert.Matches("^[0-9a-f]{32}$", publicKey.GetProperty("fingerprint").GetString()!);

        // The admin API lists it by the same fingerprint.
        using var list = await _gw.Admin().GetAsync("/admin/v1/tenants/demo/agents/demo-agent/delegations");
        var listed = (await DecisionJson.ReadAsync(list, HttpStatusCode.OK)).GetProperty("delegations")[0];
        Assert.Equal(publicKey.GetProperty("fingerprint").GetString(), listed.GetProperty("public_key").GetProperty("fingerprint").GetString());
    }

    [Theory]
    [InlineData("ed25519-demo")]
    [InlineData("p256-demo")]
    public async Task KeyChildRequest_WithinGrant_IsAllowedUnderItsChain(string keyName)
    {
        var key = Key(keyName);
        var child = ChildOf(await IssueAsync(key), key);

        using var response = await child.Client.SendAsync(child.Sign(ReadContact));

        var decision = await DecisionJson.DecisionAsync(response, "allow");
        var chain = decision.GetProperty("explanation").GetProperty("actor_chain").EnumerateArray().Select(l => l.GetProperty("id").GetString()).ToList();
        Assert.Equal(["demo-agent", child.Id], chain);
        Assert.Equal("current", await _gw.RecordedSecretSlotAsync(response));
    }

    [Fact]
    public async Task KeyChildRequest_ToolBeyondGrant_IsBlocked()
    {
        var child = ChildOf(await IssueAsync(VectorKeyPair.Ed25519), VectorKeyPair.Ed25519);

        using var response = await child.Client.SendAsync(child.Sign("""{"tool":"crm.update_contact","args":{"id":"c-1"}}"""));

        var decision = await DecisionJson.DecisionAsync(response, "block");
        var permission = decision.GetProperty("explanation").GetProperty("decision_path").EnumerateArray().Single(c => c.GetProperty("control").GetString() == "tool_permission");
        Assert.Equal("fail", permission.GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task KeyChildRequest_SignatureOverAnotherBody_IsRefusedSignatureMismatch()
    {
        var child = ChildOf(await IssueAsync(VectorKeyPair.Ed25519), VectorKeyPair.Ed25519);
        using var request = child.Sign(ReadContact, p => p with { TargetUri = p.TargetUri.Replace("/v1/evaluate", "/v1/actions/invoke-tool", StringComparison.Ordinal) });

        using var response = await child.Client.SendAsync(request);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "signature_mismatch");
        Assert.Empty(_gw.Upstream.Received);
    }

    [Fact]
    public async Task KeyChildRequest_SignedWithAnotherKeyUnderItsId_IsRefusedSignatureMismatch()
    {
        // Registered with the Ed25519 key; signed with another private key (the P-256 vector key's) naming the child's key and algorithm.
        var child = ChildOf(await IssueAsync(VectorKeyPair.Ed25519), VectorKeyPair.Ed25519);
        var forger = new ChildSigner(new MessageSigningClient(_gw.Host.Client, VectorKeyPair.P256, agent: child.Id), child.Id);

        using var response = await forger.Client.SendAsync(forger.Sign(ReadContact, p => p with { Algorithm = "ed25519" }));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "signature_mismatch");
    }

    [Fact]
    public async Task KeyChildRequest_KeyIdNotItsOwnId_IsRefusedUnknownKeyId()
    {
        var child = ChildOf(await IssueAsync(VectorKeyPair.Ed25519), VectorKeyPair.Ed25519);

        using var response = await child.Client.SendAsync(child.Client.Create(HttpMethod.Post, "/v1/evaluate", ReadContact));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "unknown_key_id");
    }

    [Fact]
    public async Task KeyChildRequest_SignedWithHmac_IsRefusedSchemeMismatch()
    {
        var child = ChildOf(await IssueAsync(VectorKeyPair.Ed25519), VectorKeyPair.Ed25519);
        var hmac = new AgentClient(_gw.Host.Client, _gw.Bundle.AgentSecret, agent: child.Id);

        using var response = await hmac.PostJsonAsync("/v1/evaluate", ReadContact);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "signature_scheme_mismatch");
    }

    [Fact]
    public async Task KeyChildRequest_AfterRevocation_IsRefusedAsUnknownAgent()
    {
        var child = ChildOf(await IssueAsync(VectorKeyPair.Ed25519), VectorKeyPair.Ed25519);
        using (var before = await child.Client.SendAsync(child.Sign(ReadContact)))
        {
            await DecisionJson.DecisionAsync(before, "allow");
        }

        using (var revoke = await _gw.Admin().PostAsync($"/admin/v1/tenants/demo/agents/{child.Id}/revoke-delegation", content: null))
        {
            Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        }

        using var after = await child.Client.SendAsync(child.Sign(ReadContact));
        await ProblemAssert.IsProblemAsync(after, HttpStatusCode.Unauthorized, "unknown_agent");
    }

    [Theory]
    [InlineData("""{"alg":"ed25519"}""", "at $.public_key (line 1, byte 92): the required member 'key' is missing.")]
    [InlineData("""{"alg":"rsa","key":"AAAA"}""", "public_key.alg must be one of")]
    [InlineData("""{"alg":"ed25519","key":"bm90IGEga2V5"}""", "public_key.key is not an Ed25519 public key")]
    [InlineData("""{"alg":"ed25519","key":"MCowBQYDK2VwAyEAtmNWMsYVxrpSIVA3WuS9HhQLfsqN7P889Z6SxeV4qv0=","key_id":"mine"}""", "public_key.key_id is not taken")]
    [InlineData("\"MCowBQYDK2VwAyEAtmNWMsYVxrpSIVA3WuS9HhQLfsqN7P889Z6SxeV4qv0=\"", "public_key must be an object")]
    public async Task Delegate_MalformedPublicKey_Is400SayingWhat(string publicKey, string detail)
    {
        using var response = await DelegationCalls.RequestAsync(_gw.Agent,
            """{"name":"signer","permissions":[{"tool":"crm.read_contact"}],"public_key":""" + publicKey + "}");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "malformed_body");
        Assert.Contains(detail, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    private static VectorKeyPair Key(string name) => name == VectorKeyPair.Ed25519.Name ? VectorKeyPair.Ed25519 : VectorKeyPair.P256;

    private async Task<JsonElement> IssueAsync(VectorKeyPair key)
    {
        using var response = await DelegationCalls.RequestAsync(_gw.Agent,
            $$$"""{"name":"signer","permissions":[{"tool":"crm.read_contact","action_types":["read"]}],"data_class_ceiling":"internal","public_key":{"alg":"{{{key.Algorithm}}}","key":"{{{key.PublicKeySpki}}}"}}""");
        return await DecisionJson.ReadAsync(response, HttpStatusCode.Created);
    }

    private ChildSigner ChildOf(JsonElement issued, VectorKeyPair key)
    {
        var id = issued.GetProperty("agent").GetString()!;
        return new ChildSigner(new MessageSigningClient(_gw.Host.Client, key, agent: id), id);
    }

    /// <summary>Signs as the key child <paramref name="Id"/>: the profile with its own id as <c>keyid</c>.</summary>
    private sealed record ChildSigner(MessageSigningClient Client, string Id)
    {
        public HttpRequestMessage Sign(string json, Func<MessageSigningParts, MessageSigningParts>? tamper = null) =>
            Client.Create(HttpMethod.Post, "/v1/evaluate", json, signedOver: p => (tamper ?? (static q => q))(p with { KeyId = Id }));
    }
}
