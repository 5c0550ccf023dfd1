using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Enforce;

/// <summary>
/// The example bundle with its <c>workspace</c> context connector made a workspace store (<c>writeback</c>, 4 KiB items,
/// upstream a real <see cref="WorkspaceStore"/>, a redact degrade), and the policy a writeback meets: the demo agent may read and write it
/// and has a documented flow for pii and confidential data through it; a confidential write needs alice's approval; a
/// restricted or top-secret write is blocked by a rule, as are a pii write to <c>archive</c> and a read of restricted items; a write to
/// <c>drafts</c> (the same store) is degraded to <c>dry_run</c> by a rule. <c>reader-agent</c> (signing with the rogue agent's secret) may only
/// read it, with no flow for regulated data. <c>archive</c> is a workspace store nobody listens on.
/// </summary>
public sealed class WritebackFixture : IAsyncLifetime
{
    /// <summary>The store nothing listens on (connections are refused at once).</summary>
    public const string DownUrl = "http://127.0.0.1:9/archive";

    public WorkspaceStore Store { get; private set; } = null!;

    public GovernedGateway Gateway { get; private set; } = null!;

    /// <summary>The agent that may only read the workspace.</summary>
    public AgentClient Reader => new(Gateway.Host.Client, Gateway.RogueSecret, agent: "reader-agent");

    public async Task InitializeAsync()
    {
        Store = await WorkspaceStore.StartAsync();
        Gateway = await GovernedGateway.StartAsync(text => Replace(text,
            ("    upstream: http://127.0.0.1:9300/context\n    credential: none\n",
             $"    upstream: {Store.Url}\n    credential: none\n    writeback: {{ max_bytes: 4096 }}\n    degrade: {{ mode: redact }}\n\n"
             + $"  - {{ name: archive, kind: context, action_type: context, target_system: workspace, upstream: \"{DownUrl}\", credential: none, writeback: {{}} }}\n"
             + $"  - {{ name: drafts, kind: context, action_type: context, target_system: workspace, data_classes: [internal], upstream: \"{Store.Url}\", credential: none, writeback: {{}} }}\n"),
            ("      - { tool: workspace }\n", "      - { tool: workspace, action_types: [context, write] }\n      - { tool: archive, action_types: [context, write] }\n"
             + "      - { tool: drafts, action_types: [context, write] }\n"),
            ("\napproval_gates:\n", """

              - id: reader-agent
                name: Reads the workspace only
                lifecycle: active
                human_owner: dana@example.com
                security_owner: sec-team
                atf_level: L3
                risk_tier: low
                secret: file:secrets/rogue-agent.secret
                permissions:
                  - { tool: workspace }

            approval_gates:
              - id: confidential-workspace
                match: { action_types: [write], target_systems: [workspace], data_classes: [confidential] }
                approvers: [alice]
                warrant_ttl: 10m

            """),
            ("\ndata_flows:\n", "\ndata_flows:\n  - { agent: demo-agent, tool: workspace, data_classes: [pii, confidential] }\n"),
            ("\nrules:\n", """

            rules:
              - id: no-restricted-in-workspace
                match: { tools: [workspace], action_types: [write], data_classes: [restricted, top_secret] }
                effect: block
                reason: restricted_data_in_workspace
              - id: no-pii-in-archive
                match: { tools: [archive], action_types: [write], data_classes: [pii] }
                effect: block
                reason: pii_in_archive
              - id: no-restricted-reads
                match: { tools: [workspace], action_types: [context], data_classes: [restricted] }
                effect: block
                reason: restricted_read
              - id: drafts-not-committed
                match: { tools: [drafts], action_types: [write] }
                effect: degrade
                degrade: dry_run
                reason: drafts_not_committed

            """)));
    }

    public async Task DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Store.DisposeAsync();
    }

    private static string Replace(string text, params (string Old, string New)[] changes)
    {
        foreach (var (old, replacement) in changes)
        {
            Assert.Contains(old, text, StringComparison.Ordinal);
            text = text.Replace(old, replacement, StringComparison.Ordinal);
        }

        return text;
    }
}
