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
/// journal's backlog, is recorded as the state it was once the sink is back, never rewritten as a refusal; every state
/// of a stream reaches the backlog, not only the first the sink failed.
/// </summary>
public sealed class A2aAuditOutageTests
{
    [Fact]
    public async Task SendMessage_JournalFailsRecordingTaskStatesAfterTheRemoteAnswered_AnswersInvokedAndRecordsNoRefusal()
    {
        var agent = new A2aTestAgent();
        var sink = new TaskStateOutage(firstOnly: true);
        await using var upstream = await KestrelUpstream.StartAsync(agent.Map);
        await using var gw = await StartAsync(upstream, sink);

        using var response = await gw.Agent.SendAsync(gw.Agent.Create(HttpMethod.Post, "/a2a/helper", A2aRouteTests.Message("SendMessage", "summarize", "the quarterly report")));
        var reply = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.True(sink.Failed, "no append of a task state failed");
        Assert.Single(agent.Received);
        Assert.False(reply.TryGetProperty("error", out var error), error.ToString());
        Assert.Equal("TASK_STATE_COMPLETED", reply.GetProperty("result").GetProperty("task").GetProperty("status").GetProperty("state").GetString());

        var records = await FlushedRecordsAsync(gw, response);
        Assert.DoesNotContain(records, r => r.GetProperty("decision").GetString()!.StartsWith("refused:", StringComparison.Ordinal));
        Assert.Contains(records, r => r.TryGetProperty("invoked", out var invoked) && invoked.GetBoolean());
        var state = Assert.Single(records, r => r.GetProperty("decision").GetString() == "a2a_task_state");
        Assert.Equal("completed", state.GetProperty("a2a_task").GetProperty("state").GetString());
        Assert.Equal(200, state.GetProperty("status_code").GetInt32());
    }

    [Fact]
    public async Task SendStreamingMessage_JournalFailsRecordingTaskStates_EveryStateReachesTheBacklog()
    {
        var agent = new A2aTestAgent { Scripted = [Status("TASK_STATE_WORKING"), Status("TASK_STATE_INPUT_REQUIRED"), Status("TASK_STATE_COMPLETED")] };
        var sink = new TaskStateOutage(firstOnly: false);
        await using var upstream = await KestrelUpstream.StartAsync(agent.Map);
        await using var gw = await StartAsync(upstream, sink);

        using var response = await gw.Agent.SendAsync(gw.Agent.Create(HttpMethod.Post, "/a2a/helper", A2aRouteTests.Message("SendStreamingMessage", "summarize", "stream it")));
        var body = await response.Content.ReadAsStringAsync();
        var failures = sink.Failures;
        sink.Up();

        Assert.Contains("TASK_STATE_COMPLETED", body, StringComparison.Ordinal);
        Assert.True(failures > 0, "no append of a task state failed");
        var records = await FlushedRecordsAsync(gw, response);
        Assert.Equal(["working", "input-required", "completed"],
            records.Where(r => r.GetProperty("decision").GetString() == "a2a_task_state").Select(r => r.GetProperty("a2a_task").GetProperty("state").GetString()));
        Assert.DoesNotContain(records, r => r.GetProperty("decision").GetString()!.StartsWith("refused:", StringComparison.Ordinal));
    }

    // A status update of the remote agent's task, as one event of its stream.
    private static string Status(string state) =>
        "\"result\":{\"statusUpdate\":{\"taskId\":\"task-streamed\",\"contextId\":\"ctx-1\",\"status\":{\"state\":\"" + state + "\"}}}";

    private static Task<GovernedGateway> StartAsync(KestrelUpstream upstream, TaskStateOutage sink) =>
        GovernedGateway.StartAsync(
            text => text
                .Replace("  - name: workspace\n", $"""
                      - {"{"} name: helper, kind: a2a, action_type: read, target_system: helper, upstream: {upstream.Origin}/a2a, credential: none {"}"}
                      - {"{"} name: helper.summarize, kind: a2a_skill, action_type: read, target_system: helper, connector: helper, a2a_skill: summarize {"}"}

                      - name: workspace

                    """, StringComparison.Ordinal)
                .Replace("      - { tool: workspace }\n", "      - { tool: workspace }\n      - { tool: helper }\n      - { tool: helper.summarize }\n", StringComparison.Ordinal),
            configure: sink.Install);

    // The request's records once the journal's backlog is written.
    private static async Task<List<JsonElement>> FlushedRecordsAsync(GovernedGateway gw, HttpResponseMessage response)
    {
        var journal = gw.Host.Services.GetRequiredService<AuditJournal>();
        await Gateway.Testing.Eventually.HoldsAsync(async () =>
        {
            await journal.FlushBacklogAsync();
            return journal.BacklogCount == 0;
        }, TimeSpan.FromSeconds(20), "the journal's backlog was never written");
        return await gw.AuditRecordsAsync(Assert.Single(response.Headers.GetValues("X-Request-Id")));
    }

    /// <summary>
    /// The gateway's own audit sink (the file journal), failing the appends that carry a task state: the first alone when
    /// <paramref name="firstOnly"/>, else every one until <see cref="Up"/>.
    /// </summary>
    private sealed class TaskStateOutage(bool firstOnly)
    {
        private int _failed;
        private volatile bool _up;

        /// <summary>Whether an append carrying a task state failed.</summary>
        public bool Failed => Failures > 0;

        /// <summary>How many appends carrying a task state failed.</summary>
        public int Failures => Volatile.Read(ref _failed);

        /// <summary>The sink takes every append from now on.</summary>
        public void Up() => _up = true;

        public void Install(WebApplicationBuilder builder) => builder.Services.AddFailingFileAuditSink(FailsNow);

        private bool FailsNow(IReadOnlyList<byte[]> lines)
        {
            if (_up || !InterceptedAuditSink.Carries(lines, "\"a2a_task_state\""))
            {
                return false;
            }

            return firstOnly ? Interlocked.CompareExchange(ref _failed, 1, 0) == 0 : Interlocked.Increment(ref _failed) > 0;
        }
    }
}
