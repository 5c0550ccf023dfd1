using Gateway.Policy.Bundles;

namespace Gateway.Policy.Tests;

/// <summary>An agent's <c>public_key</c> and <c>next_public_key</c> as read from a bundle (the refusals are in Conformance/invalid.cases.yaml).</summary>
public sealed class AgentPublicKeyTests
{
    // tests/vectors/agent-protocol.json, message_signatures.keys: the Ed25519 and P-256 keys of the shared vectors.
    private const string Ed25519Spki = "MCowBQYDK2VwAyEAtmNWMsYVxrpSIVA3WuS9HhQLfsqN7P889Z6SxeV4qv0=";
    private const string Ed25519Raw = "tmNWMsYVxrpSIVA3WuS9HhQLfsqN7P889Z6SxeV4qv0=";
    private const string P256Spki = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEz5nqYoPKXuPOrLklRRURDwq3QVnU0g1+Iotcs/oQy2AaTIQWMgHkc7sb2T8QHEEyPVWByBpxUh70FdOeBUnE0Q==";
    private const string P256Raw = "BM+Z6mKDyl7jzqy5JUUVEQ8Kt0FZ1NINfiKLXLP6EMtgGkyEFjIB5HO7G9k/EBxBMj1VgcgacVIe9BXTngVJxNE=";

    [Theory]
    [InlineData("ed25519", Ed25519Spki, Ed25519Spki)]
    [InlineData("ed25519", Ed25519Raw, Ed25519Spki)]
    [InlineData("ed25519", "|\n        -----BEGIN PUBLIC KEY-----\n        MCowBQYDK2VwAyEAtmNWMsYVxrpSIVA3WuS9HhQLfsqN7P889Z6SxeV4qv0=\n        -----END PUBLIC KEY-----", Ed25519Spki)]
    [InlineData("ecdsa-p256-sha256", P256Spki, P256Spki)]
    [InlineData("ecdsa-p256-sha256", P256Raw, P256Spki)]
    public void LoadTenantText_PublicKeyInEachForm_IsReadAsItsSubjectPublicKeyInfo(string alg, string written, string expectedSpki)
    {
        var yaml = $"""
            tenant: t1
            workspaces: [w]
            agents:
              - id: a
                public_key:
                  alg: {alg}
                  key_id: a-2026
                  key: {written}
            """;

        var result = PolicyBundleLoader.LoadTenantText("t1.yaml", yaml, Path.GetTempPath());

        Assert.Empty(result.Errors);
        Assert.True(result.Tenant!.TryGetAgent("a", out var agent));
        Assert.Null(agent!.Secret);
        Assert.Equal("a-2026", agent.PublicKey!.KeyId);
        Assert.Equal(alg, WireNames.Of(agent.PublicKey.Algorithm));
        Assert.Equal(expectedSpki, Convert.ToBase64String(agent.PublicKey.SubjectPublicKeyInfo.Span));
    }

    [Fact]
    public void LoadTenantText_NextPublicKeyAndRotationEnds_AreRead()
    {
        var yaml = $$"""
            tenant: t1
            workspaces: [w]
            agents:
              - id: a
                public_key: { alg: ed25519, key_id: k1, key: "{{Ed25519Raw}}" }
                next_public_key: { alg: ecdsa-p256-sha256, key_id: k2, key: "{{P256Raw}}" }
                rotation_ends: 2026-12-01T00:00:00Z
            """;

        var result = PolicyBundleLoader.LoadTenantText("t1.yaml", yaml, Path.GetTempPath());

        Assert.Empty(result.Errors);
        Assert.True(result.Tenant!.TryGetAgent("a", out var agent));
        Assert.Equal(PublicKeyAlgorithm.EcdsaP256Sha256, agent!.NextPublicKey!.Algorithm);
        Assert.Equal("k2", agent.NextPublicKey.KeyId);
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero), agent.RotationEnds);
    }
}
