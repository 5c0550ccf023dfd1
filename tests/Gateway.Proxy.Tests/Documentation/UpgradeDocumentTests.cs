using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Documentation;

/// <summary>
/// What changes under a client or an operator is written where they read it: the webhook signing key (per tenant since
/// 2026-12-04, the spec's service key with <c>Gateway:Webhooks:Keys</c> <c>Shared</c>) is a departure in
/// docs/agent-protocol.md and an upgrade step in docs/operations.md, whose upgrade section also says when suspensions
/// and consent revocations made mid-rollout hold on every pod.
/// </summary>
public sealed class UpgradeDocumentTests
{
    private static readonly string Protocol = Read("agent-protocol.md");

    private static readonly string Upgrade = Section(Read("operations.md"), "## 8. Upgrades and checks");

    [Fact]
    public void AgentProtocolDocument_Departures_NameTheWebhookKeySetting()
    {
        var intro = Protocol[..Protocol.IndexOf("\n## ", StringComparison.Ordinal)];
        var departures = Protocol.Split('\n').Where(static line => line.Contains("*departure:*", StringComparison.Ordinal)).ToList();

        Assert.Contains("webhook", intro, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(departures, static line => line.Contains("`Gateway:Webhooks:Keys`", StringComparison.Ordinal)
            && line.Contains("Gateway__Webhooks__Keys=Shared", StringComparison.Ordinal));
    }

    [Fact]
    public void OperationsUpgradeSection_NamesTheWebhookKeySettingAndTheReceiversKeys()
    {
        Assert.Contains("Gateway:Webhooks:Keys", Upgrade, StringComparison.Ordinal);
        Assert.Contains("gatewayctl keys webhook --tenant", Upgrade, StringComparison.Ordinal);
        Assert.Contains("2026-12-04", Upgrade, StringComparison.Ordinal);
    }

    [Fact]
    public void OperationsUpgradeSection_SaysToSuspendPeopleAndRevokeConsentsAfterTheRollout()
    {
        Assert.Contains("suspend", Upgrade, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("consent", Upgrade, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("rollout", Upgrade, StringComparison.OrdinalIgnoreCase);
    }

    private static string Read(string name) => File.ReadAllText(Path.Combine(RepositoryRoot.Path, "docs", name));

    // From the heading to the next heading of the same level.
    private static string Section(string document, string heading)
    {
        var start = document.IndexOf(heading + "\n", StringComparison.Ordinal);
        Assert.True(start >= 0, $"'{heading}' not found");
        var end = document.IndexOf("\n## ", start + heading.Length, StringComparison.Ordinal);
        return end < 0 ? document[start..] : document[start..end];
    }
}
