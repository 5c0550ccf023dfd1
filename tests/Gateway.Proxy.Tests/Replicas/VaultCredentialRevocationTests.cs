using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gateway.Proxy.Bundle;
using Gateway.Proxy.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.Replicas;

/// <summary>
/// A vault credential revoked or rotated through one replica, on the other: a connector's credential is no longer injected
/// once the vault cache interval (<c>Gateway:Credentials:VaultCacheTtl</c>, 1 s) has passed on that replica's clock,
/// and a policy reload reads an agent's <c>vault:</c> secret from the shared store, never the cache.
/// </summary>
[Collection(ReplicaCollection.Name)]
public sealed class VaultCredentialRevocationTests : IAsyncLifetime
{
    private const string Evaluate = """{"tool":"crm.read_contact","args":{"id":"42"}}""";

    /// <summary>The documented bound (<c>Gateway:Credentials:VaultCacheTtl</c>'s default, docs/connectors.md).</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(1);
    private readonly MovableClock[] _clocks = [new(), new()];
    private KestrelUpstream _crm = null!;
    private ReplicaCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _crm = await ReplicaUpstreams.StartCrmAsync();
        _cluster = await ReplicaCluster.StartAsync(
            replicas: 2,
            new Dictionary<string, string> { [ReplicaUpstreams.CrmOrigin] = _crm.Origin },
            configure: (index, builder) => builder.Services.AddSingleton<TimeProvider>(_clocks[index]));
    }

    public async Task DisposeAsync()
    {
        await (_cluster?.DisposeAsync() ?? ValueTask.CompletedTask);
        await (_crm?.DisposeAsync() ?? ValueTask.CompletedTask);
    }

    [Fact]
    public async Task InvokeTool_CredentialRevokedThroughReplicaA_IsRefusedOnReplicaBWithinTheBound()
    {
        await WriteAsync("/admin/v1/tenants/demo/credentials/crm-token", HttpMethod.Put, "crm-token-before-revocation");
        var agent = new AgentClient(_cluster[1].Client, _cluster.Bundle.AgentSecret, time: _clocks[1]);
        using (var cached = await agent.PostJsonAsync("/v1/actions/invoke-tool", ReplicaUpstreams.ReadContact("c-1")))
        {
            Assert.True(cached.StatusCode == HttpStatusCode.OK, await cached.Content.ReadAsStringAsync());
        }

        using (var revoke = await _cluster.Admin(0).DeleteAsync("/admin/v1/tenants/demo/credentials/crm-token"))
        {
            Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        }

        _clocks[1].Offset = Bound;
        using var refused = await agent.PostJsonAsync("/v1/actions/invoke-tool", ReplicaUpstreams.ReadContact("c-2"));

        await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.ServiceUnavailable, "credential_unavailable");
        var sent = Assert.Single(_crm.Received, r => r.Target.StartsWith("/crm/contacts/", StringComparison.Ordinal));
        Assert.Equal("Bearer crm-token-before-revocation", sent.Headers["Authorization"]);
    }

    [Fact]
    public async Task Reload_AfterVaultRotationThroughReplicaA_ReplicaBRefusesTheOldSecret()
    {
        var old = "billing-agent-old-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        var rotated = "billing-agent-new-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        await WriteAsync("/admin/v1/tenants/demo/credentials/demo-agent-key", HttpMethod.Put, old);
        _cluster.Bundle.Rewrite(text => text.Replace("secret: file:secrets/demo-agent.secret", "secret: vault:demo-agent-key", StringComparison.Ordinal));
        await ReloadAsync(1);
        using (var before = await new AgentClient(_cluster[1].Client, old).PostJsonAsync("/v1/evaluate", Evaluate))
        {
            Assert.True(before.StatusCode == HttpStatusCode.OK, await before.Content.ReadAsStringAsync());
        }

        await WriteAsync("/admin/v1/tenants/demo/credentials/demo-agent-key/rotate", HttpMethod.Post, rotated);
        await ReloadAsync(0);
        await ReloadAsync(1);

        using var refused = await new AgentClient(_cluster[1].Client, old).PostJsonAsync("/v1/evaluate", Evaluate);
        using var accepted = await new AgentClient(_cluster[1].Client, rotated).PostJsonAsync("/v1/evaluate", Evaluate);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.True(accepted.StatusCode == HttpStatusCode.OK, await accepted.Content.ReadAsStringAsync());
    }

    private async Task WriteAsync(string path, HttpMethod method, string value)
    {
        using var request = new HttpRequestMessage(method, path)
        {
            Content = new StringContent(JsonSerializer.Serialize(new { value }), Encoding.UTF8, "application/json"),
        };
        using var response = await _cluster.Admin(0).SendAsync(request);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    private async Task ReloadAsync(int replica) =>
        Assert.Empty(await _cluster[replica].Services.GetRequiredService<PolicyProvider>().ReloadAsync());
}
