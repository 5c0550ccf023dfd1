using System.Text.Json.Nodes;
using Gateway.Proxy.A2a;

namespace Gateway.Proxy.Tests.A2a;

/// <summary>
/// The card the gateway serves for a remote agent: every member it rewrites is the gateway's alone, also against a remote
/// card that spells one in another case, or with <c>_</c> or <c>-</c>, which a case-folding client (Go's encoding/json)
/// would read instead of the gateway's.
/// </summary>
public sealed class AgentCardRewriterTests
{
    private const string Gateway = "https://gw.example/a2a/helper";
    private const string Remote = "https://remote.example/a2a";

    [Fact]
    public void Rewrite_InterfaceOrSkillsMemberSpelledInAnotherCase_IsDropped()
    {
        var remote = JsonNode.Parse($$"""
            {
              "name": "helper", "url": "{{Remote}}", "URL": "{{Remote}}", "Url": "{{Remote}}",
              "SupportedInterfaces": [{ "url": "{{Remote}}", "protocolBinding": "JSONRPC" }],
              "additional_interfaces": [{ "url": "{{Remote}}", "transport": "JSONRPC" }],
              "AdditionalInterfaces": [{ "url": "{{Remote}}", "transport": "JSONRPC" }],
              "preferred-transport": "GRPC", "ProtocolVersion": "0.2",
              "skills": [{ "id": "summarize" }, { "id": "wire" }],
              "Skills": [{ "id": "summarize" }, { "id": "wire" }, { "id": "translate" }],
              "Capabilities": { "streaming": true }, "capabilities": { "streaming": false, "Streaming": true, "push_notifications": true },
              "Signatures": [{ "protected": "x", "signature": "y" }],
              "description": "kept", "Description": "kept too: the gateway does not rewrite it"
            }
            """)!.AsObject();

        var served = AgentCardRewriter.Rewrite(remote, Gateway, new HashSet<string>(StringComparer.Ordinal) { "summarize" });

        var names = served.Select(static m => m.Key).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["Description", "capabilities", "description", "name", "preferredTransport", "protocolVersion", "skills", "supportedInterfaces", "url"], names);
        Assert.Equal(Gateway, served["url"]!.GetValue<string>());
        Assert.Equal(["summarize"], served["skills"]!.AsArray().Select(static s => s!["id"]!.GetValue<string>()));
        Assert.Equal(["pushNotifications", "streaming"], served["capabilities"]!.AsObject().Select(static m => m.Key).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(Remote, served.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Rewrite_CardSpelledAsTheGatewayWritesIt_KeepsItsOtherMembers()
    {
        var remote = JsonNode.Parse($$"""
            { "name": "helper", "url": "{{Remote}}", "version": "1", "provider": { "organization": "x" },
              "skills": [{ "id": "summarize", "tags": ["a"] }], "capabilities": { "streaming": true, "extensions": [] } }
            """)!.AsObject();

        var served = AgentCardRewriter.Rewrite(remote, Gateway, new HashSet<string>(StringComparer.Ordinal) { "summarize" });

        Assert.Equal(("helper", "1", "x"), (served["name"]!.GetValue<string>(), served["version"]!.GetValue<string>(), served["provider"]!["organization"]!.GetValue<string>()));
        Assert.True(served["capabilities"]!["streaming"]!.GetValue<bool>());
        Assert.NotNull(served["capabilities"]!["extensions"]);
        Assert.Equal(Gateway, served["supportedInterfaces"]![0]!["url"]!.GetValue<string>());
    }
}
