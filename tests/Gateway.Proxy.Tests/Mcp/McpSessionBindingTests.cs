using Gateway.Connectors.Vault;
using Gateway.Policy;
using Gateway.Proxy.Mcp;
using Gateway.Proxy.Security;

namespace Gateway.Proxy.Tests.Mcp;

/// <summary>A per-server route's session id is bound to its agent, server and the person the agent acts for: no other may use it.</summary>
public sealed class McpSessionBindingTests
{
    private static readonly ActingPerson Erin = new("erin", "https://login.example.com", []);
    private static readonly ActingPerson Carl = new("carl", "https://login.example.com", []);

    private readonly McpSessionBinding _binding = new(new GatewayKeys(new EncryptionKeyRing(DataEncryptionKey.Generate()), new byte[32], new byte[32], ephemeral: true));

    [Fact]
    public void TryUnbind_ForTheSamePerson_GivesTheUpstreamSession()
    {
        var bound = _binding.Bind(new McpSessionOwner("demo", "demo-agent", "docs", Erin), "session-1");

        Assert.True(_binding.TryUnbind(new McpSessionOwner("demo", "demo-agent", "docs", Erin with { Groups = ["staff"] }), bound, out var upstream));
        Assert.Equal("session-1", upstream);
    }

    [Fact]
    public void TryUnbind_ForAnotherPersonOrNone_IsRefused()
    {
        var bound = _binding.Bind(new McpSessionOwner("demo", "demo-agent", "docs", Erin), "session-1");

        Assert.False(_binding.TryUnbind(new McpSessionOwner("demo", "demo-agent", "docs", Carl), bound, out _));
        Assert.False(_binding.TryUnbind(new McpSessionOwner("demo", "demo-agent", "docs"), bound, out _));
        Assert.False(_binding.TryUnbind(new McpSessionOwner("demo", "demo-agent", "docs", Erin), _binding.Bind(new McpSessionOwner("demo", "demo-agent", "docs"), "session-1"), out _));
    }

    [Theory]
    [InlineData("session-1.$$$$$$$$$$$$$$$$$$$$$$")]
    [InlineData("session-1.AAAAAAAAAAAAAAAAAAAA==")]
    [InlineData("session-1.AAAAAAAAAAAAAAAAAAAAA\u00e9")]
    public void TryUnbind_MacNotBase64Url_IsRefusedWithoutThrowing(string presented)
    {
        Assert.False(_binding.TryUnbind(new McpSessionOwner("demo", "demo-agent", "docs", Erin), presented, out _));
    }
}
