using System.Security.Claims;
using Gateway.Policy;
using Gateway.Proxy.Authenticate;

namespace Gateway.Proxy.Tests.Authenticate;

/// <summary>
/// The principal an agent's requests carry (<see cref="AgentPrincipals"/>): the caller's claims, one principal per caller
/// shared by its requests, never another caller's, and a bounded number kept.
/// </summary>
public sealed class AgentPrincipalsTests
{
    [Fact]
    public void For_Caller_CarriesItsClaimsAndIsAuthenticated()
    {
        var principal = new AgentPrincipals().For(new AuthenticatedCaller("acme", "ops", "bot-1"));

        Assert.True(principal.Identity!.IsAuthenticated);
        Assert.Equal(AgentSignatureDefaults.AuthenticationType, principal.Identity.AuthenticationType);
        Assert.Equal("bot-1", principal.Identity.Name);
        Assert.Equal("acme", principal.FindFirst(AgentSignatureDefaults.TenantClaim)?.Value);
        Assert.Equal("ops", principal.FindFirst(AgentSignatureDefaults.WorkspaceClaim)?.Value);
        Assert.Equal("bot-1", principal.FindFirst(AgentSignatureDefaults.AgentClaim)?.Value);
        Assert.Equal("acme/bot-1", principal.FindFirst(ClaimTypes.NameIdentifier)?.Value);
    }

    [Fact]
    public void For_SameCallerTwice_IsTheSamePrincipal()
    {
        var principals = new AgentPrincipals();

        Assert.Same(principals.For(new AuthenticatedCaller("acme", "ops", "bot-1")), principals.For(new AuthenticatedCaller("acme", "ops", "bot-1")));
    }

    [Theory]
    [InlineData("other", "ops", "bot-1")]
    [InlineData("acme", "other", "bot-1")]
    [InlineData("acme", "ops", "bot-2")]
    public void For_CallerDifferingInOnePart_IsAnotherPrincipal(string tenant, string workspace, string agent)
    {
        var principals = new AgentPrincipals();
        var first = principals.For(new AuthenticatedCaller("acme", "ops", "bot-1"));

        var second = principals.For(new AuthenticatedCaller(tenant, workspace, agent));

        Assert.NotSame(first, second);
        Assert.Equal(tenant, second.FindFirst(AgentSignatureDefaults.TenantClaim)?.Value);
        Assert.Equal(workspace, second.FindFirst(AgentSignatureDefaults.WorkspaceClaim)?.Value);
        Assert.Equal(agent, second.FindFirst(AgentSignatureDefaults.AgentClaim)?.Value);
    }

    [Fact]
    public void For_CallersBeyondTheCapacity_GetTheirOwnPrincipalEachTime()
    {
        var principals = new AgentPrincipals();
        for (var i = 0; i < AgentPrincipals.Capacity; i++)
        {
            principals.For(new AuthenticatedCaller("acme", "ops", "bot-" + i));
        }

        var beyond = new AuthenticatedCaller("acme", "ops", "bot-beyond");
        var first = principals.For(beyond);

        Assert.NotSame(first, principals.For(beyond));
        Assert.Equal("bot-beyond", first.Identity!.Name);
        Assert.Same(principals.For(new AuthenticatedCaller("acme", "ops", "bot-0")), principals.For(new AuthenticatedCaller("acme", "ops", "bot-0")));
    }
}
