using System.Text.Json.Nodes;
using Gamut.Agent.Tests.Infrastructure;

namespace Gamut.Agent.Tests;

/// <summary><see cref="GamutClient.DelegateAsync"/> against the REAL gateway: a child client that acts within its grant, and refusals beyond it.</summary>
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
}
