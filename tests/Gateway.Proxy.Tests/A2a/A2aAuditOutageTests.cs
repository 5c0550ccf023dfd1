using System.Text;
using System.Text.Json;
using Gateway.Audit;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Testing.Stores;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.A2a;

/// <summary>
/// An audit sink that fails the append of a task state the remote agent's answer showed (once it answered): the caller is
/// answered the remote agent's result, never refused as though nothing was forwarded, and the task state, kept in the
/// journal's backlog, is recorded as the state it was once the sink is back, never rewritten as a refusal.
/// </summary>
public sealed class A2aAuditOutageTests
{
    [Fact]
    public async Task SendMessage_JournalFailsRecordingTaskStatesAfterTheRemoteAnswered_AnswersInvokedAndRecordsNoRefusal()
    {
        var agent = new A2aTestAgent();
        var sink = new TaskStateOutage();
        await using var upstream = await KestrelUpstream.StartAsync(agent.Map);
        await using var gw = await GovernedGateway.StartAsync(
            text => text
                .Replace("  - name: workspace\n", $"""
                      - {"{"} name: helper, kind: a2a, action_type: read, target_system: helper, upstream: {upstream.Origin}/a2a, credential: none {"}"}
                      - {"{"} name: helper.summarize, kind: a2a_skill, action_type: read, target_system: helper, connector: helper, a2a_skill: summarize {"}"}

                      - name: workspace

                    """, StringComparison.Ordinal)
                .Replace("      - { tool: workspace }\n", "      - { tool: workspace }\n      - { tool: helper }\n      - { tool: helper.summarize }\n", StringComparison.Ordinal),
            configure: sink.Install);
        var journal = gw.Host.Services.GetRequiredService<AuditJournal>();

        using var response = await gw.Agent.SendAsync(gw.Agent.Create(HttpMethod.Post, "/a2a/helper", A2aRouteTests.Message("SendMessage", "summarize", "the quarterly report")));
        var reply = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.True(sink.Failed, "no append of a task state failed");
        Assert.Single(agent.Received);
        Assert.False(reply.TryGetProperty("error", out var error), error.ToString());
        Assert.Equal("TASK_STATE_COMPLETED", reply.GetProperty("result").GetProperty("task").GetProperty("status").GetProperty("state").GetString());

        await Gateway.Testing.Eventually.HoldsAsync(async () =>
        {
            await journal.FlushBacklogAsync();
            return journal.BacklogCount == 0;
        }, TimeSpan.FromSeconds(20), "the journal's backlog was never written");
        var records = await gw.AuditRecordsAsync(Assert.Single(response.Headers.GetValues("X-Request-Id")));
        Assert.DoesNotContain(records, r => r.GetProperty("decision").GetString()!.StartsWith("refused:", StringComparison.Ordinal));
        Assert.Contains(records, r => r.TryGetProperty("invoked", out var invoked) && invoked.GetBoolean());
        var state = Assert.Single(records, r => r.GetProperty("decision").GetString() == "a2a_task_state");
        Assert.Equal("completed", state.GetProperty("a2a_task").GetProperty("state").GetString());
        Assert.Equal(200, state.GetProperty("status_code").GetInt32());
    }

    /// <summary>The gateway's own audit sink (the file journal), its first append that carries a task state failing.</summary>
    private sealed class TaskStateOutage
    {
        private int _failed;

        /// <summary>Whether an append carrying a task state failed.</summary>
        public bool Failed => Volatile.Read(ref _failed) == 1;

        public void Install(WebApplicationBuilder builder) =>
            builder.Services.AddSingleton<IAuditStore>(sp => new Sink(ActivatorUtilities.CreateInstance<FileAuditStore>(sp), this));

        private bool FailsNow(IReadOnlyList<byte[]> lines) =>
            lines.Any(static l => Encoding.UTF8.GetString(l).Contains("\"a2a_task_state\"", StringComparison.Ordinal))
            && Interlocked.CompareExchange(ref _failed, 1, 0) == 0;

        private sealed class Sink(FileAuditStore inner, TaskStateOutage outage) : DelegatingAuditStore(inner), IDisposable
        {
            private readonly FileAuditStore _file = inner;

            public override ValueTask<bool> TryAppendAsync(AuditPartition partition, long expectedLength, IReadOnlyList<byte[]> lines, string lastHash, IReadOnlyList<AuditExplanation> explanations, IReadOnlyList<AuditReceiptBatch> receipts, CancellationToken cancellationToken = default) =>
                outage.FailsNow(lines)
                    ? ValueTask.FromException<bool>(new IOException("Injected: the audit sink went down."))
                    : base.TryAppendAsync(partition, expectedLength, lines, lastHash, explanations, receipts, cancellationToken);

            public void Dispose() => _file.Dispose();
        }
    }
}
