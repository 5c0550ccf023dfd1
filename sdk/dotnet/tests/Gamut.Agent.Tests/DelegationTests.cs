using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Gamut.Agent.Tests.Infrastructure;
using NSec.Cryptography;

namespace Gamut.Agent.Tests;

/// <summary>
/// <see cref="GamutClient.DelegateAsync"/> against the REAL gateway: a child client that acts within its grant, and
/// refusals beyond it; a child given its own key pair (its public half registered, no secret minted) signing with it.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class DelegationTests(GatewayEnvironment env) : IDisposable
{
    private readonly GamutClient _gamut = new(env.Demo);

    public void Dispose() => _gamut.Dispose();

    [Fact]
    public async Task DelegateAsync_ChildClient_ActsWithinItsGrantUnderItsOwnId()
    {
        using var child = await _gamut.DelegateAsync(new DelegationGrant
        {
            Name = "researcher",
            Permissions = [new DelegatedPermission("crm.read_contact", ["read"])],
            DataClassCeiling = "internal",
            Ttl = TimeSpan.FromMinutes(5),
            RunId = "run-sdk-dotnet",
        });

        var action = await child.InvokeToolAsync("crm.read_contact", new JsonObject { ["id"] = "42" });

        Assert.StartsWith("dlg-", child.Options.AgentId, StringComparison.Ordinal);
        Assert.Equal("demo-agent", child.Delegation!.Parent);
        Assert.InRange(child.Delegation.ExpiresAt - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(4), TimeSpan.FromMinutes(5.1));
        Assert.Equal("allow", action.Decision);
        var chain = action.Explanation.GetProperty("actor_chain");
        Assert.Equal(["demo-agent", child.Options.AgentId], chain.EnumerateArray().Select(l => l.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task DelegateAsync_ChildBeyondItsGrant_IsDenied()
    {
        using var child = await _gamut.DelegateAsync(new DelegationGrant { Name = "reader", Permissions = [new DelegatedPermission("crm.read_contact")] });

        var denied = await Assert.ThrowsAsync<GamutDeniedException>(() => child.EvaluateAsync("crm.update_contact", new JsonObject { ["id"] = "42" }));

        Assert.Equal("block", denied.Decision);
    }

    [Theory]
    [InlineData("ed25519")]
    [InlineData("ecdsa-p256-sha256")]
    public async Task DelegateAsync_WithAKeyPair_ChildSignsWithItsOwnKeyAndHoldsNoSecret(string algorithm)
    {
        using var child = await _gamut.DelegateAsync(new DelegationGrant
        {
            Name = "signer",
            Permissions = [new DelegatedPermission("crm.read_contact", ["read"])],
            DataClassCeiling = "internal",
            PrivateKey = NewPrivateKey(algorithm),
        });

        var action = await child.InvokeToolAsync("crm.read_contact", new JsonObject { ["id"] = "42" });
        var beyond = await Assert.ThrowsAsync<GamutDeniedException>(() => child.EvaluateAsync("crm.update_contact", new JsonObject { ["id"] = "42" }));

        Assert.Equal("allow", action.Decision);
        Assert.Equal("block", beyond.Decision);
        Assert.Empty(child.Options.Secret);
        Assert.Equal(child.Options.AgentId, child.Options.KeyId);
        Assert.Matches("^[0-9a-f]{32}$", child.Delegation!.KeyFingerprint!);
        Assert.DoesNotContain("PRIVATE", child.Options.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DelegateAsync_KeyAgentParent_ChildSignsWithItsOwnKeyNotTheParents()
    {
        var vectors = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(Path.Combine(RepositoryRoot.Path, "tests", "vectors", "agent-protocol.json")))
            .RootElement.GetProperty("message_signatures").GetProperty("keys").EnumerateArray().Single(k => k.GetProperty("name").GetString() == "ed25519-demo");
        using var parent = new GamutClient(new GamutOptions
        {
            BaseUrl = env.BaseUrl, Tenant = "demo", Workspace = "ws-demo", AgentId = "key-agent",
            PrivateKey = vectors.GetProperty("private_key_pem").GetString(), KeyId = vectors.GetProperty("key_id").GetString(),
        });
        await parent.EvaluateAsync("crm.read_contact", new JsonObject { ["id"] = "7" });

        using var keyChild = await parent.DelegateAsync(new DelegationGrant
        {
            Name = "signer", Permissions = [new DelegatedPermission("crm.read_contact")], PrivateKey = NewPrivateKey("ecdsa-p256-sha256"),
        });
        using var secretChild = await parent.DelegateAsync(new DelegationGrant { Name = "plain", Permissions = [new DelegatedPermission("crm.read_contact")] });

        Assert.Equal("allow", (await keyChild.EvaluateAsync("crm.read_contact", new JsonObject { ["id"] = "7" })).Decision);
        Assert.Equal("allow", (await secretChild.EvaluateAsync("crm.read_contact", new JsonObject { ["id"] = "7" })).Decision);
        Assert.Null(secretChild.Options.PrivateKey);
    }

    [Fact]
    public async Task DelegateAsync_PrivateKeyThatIsNone_ThrowsConfigurationWithoutSendingOrEchoingIt()
    {
        var refused = await Assert.ThrowsAsync<GamutConfigurationException>(() => _gamut.DelegateAsync(new DelegationGrant
        {
            Name = "signer", Permissions = [new DelegatedPermission("crm.read_contact")], PrivateKey = "bm90IGEga2V5",
        }));

        Assert.DoesNotContain("bm90IGEga2V5", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DelegateAsync_WideningTheParent_ThrowsDeniedNamingEachWidening()
    {
        var denied = await Assert.ThrowsAsync<GamutDeniedException>(() => _gamut.DelegateAsync(new DelegationGrant
        {
            Name = "too-much",
            Permissions = [new DelegatedPermission("shell.exec")],
            AtfLevel = "L4",
        }));

        Assert.Equal("delegation_widens_authority", denied.Code);
        Assert.Equal(403, denied.Status);
        Assert.Equal(["tool", "atf_level"], denied.Problem!.Value.GetProperty("widenings").EnumerateArray().Select(w => w.GetProperty("kind").GetString()));
    }

    /// <summary>A fresh private key of <paramref name="algorithm"/>, as PEM: what a sub-agent generates for itself.</summary>
    private static string NewPrivateKey(string algorithm)
    {
        if (algorithm == "ed25519")
        {
            using var key = Key.Create(SignatureAlgorithm.Ed25519, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport });
            return Encoding.ASCII.GetString(key.Export(KeyBlobFormat.PkixPrivateKeyText));
        }

        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return ecdsa.ExportPkcs8PrivateKeyPem();
    }
}
