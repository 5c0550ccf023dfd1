using System.Net;
using System.Text.Json;
using Gateway.Audit;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Testing.Stores;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.Respond;

/// <summary>
/// The outcome off the response path (issue #71): on the real gateway, its journal's sink holding every append that
/// carries an outcome, a tool call is answered while its outcome waits, and the outcome is in the journal right after;
/// a catalog entry that asks for its outcome before the response (<c>audit: {outcome: before_response}</c>) is answered
/// only once its outcome is durable.
/// </summary>
public sealed class OutcomeAfterResponseTests
{
    private const string ReadContact = """{"tool":"crm.read_contact","args":{"id":"c-1"}}""";
    private const string Description = "    description: Reads one CRM contact by its id.\n";
    private static readonly TimeSpan GiveUp = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task InvokeTool_OutcomeAppendHeld_AnsweredWhileItWaitsThenTheOutcomeIsRecorded()
    {
        var gate = new OutcomeGate();
        await using var gw = await GovernedGateway.StartAsync(configure: gate.Install);
        gate.Arm();

        using var response = await gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", ReadContact).WaitAsync(GiveUp);
        var requestId = Assert.Single(response.Headers.GetValues("X-Request-Id"));
        await gate.Held.Task.WaitAsync(GiveUp);
        var whileHeld = await gate.StoredAsync(gw, requestId);
        gate.Release();
        var records = await gw.AuditRecordsAsync(requestId);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(Assert.Single(whileHeld).TryGetProperty("status_code", out _), "only the decision is durable while the outcome is held");
        Assert.Equal(2, records.Count);
        Assert.Equal(200, records[1].GetProperty("status_code").GetInt32());
        Assert.True(records[1].GetProperty("invoked").GetBoolean());
        Assert.True((await gw.Host.Services.GetRequiredService<AuditJournal>().VerifyAsync("demo")).Intact);
    }

    [Fact]
    public async Task InvokeTool_EntryAsksForItsOutcomeBeforeTheResponse_AnsweredOnlyOnceTheOutcomeIsDurable()
    {
        var gate = new OutcomeGate();
        await using var gw = await GovernedGateway.StartAsync(
            rewrite: text => text.Replace(Description, Description + "    audit: { outcome: before_response }\n", StringComparison.Ordinal),
            configure: gate.Install);
        gate.Arm();

        var sending = gw.Agent.PostJsonAsync("/v1/actions/invoke-tool", ReadContact);
        await gate.Held.Task.WaitAsync(GiveUp);
        var answeredWhileHeld = sending.IsCompleted;
        gate.Release();
        using var response = await sending.WaitAsync(GiveUp);
        var requestId = Assert.Single(response.Headers.GetValues("X-Request-Id"));
        var stored = await gate.StoredAsync(gw, requestId);

        Assert.False(answeredWhileHeld, "the answer did not wait for the outcome the entry asks for");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, stored.Count);
        Assert.Equal(200, stored[1].GetProperty("status_code").GetInt32());
    }

    /// <summary>
    /// The gateway's own audit sink (the file journal), its appends carrying an outcome (<c>"invoked":true</c>) held, once
    /// armed, until released; read directly (not through the journal, whose reads wait for outcomes being appended).
    /// </summary>
    private sealed class OutcomeGate
    {
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private IAuditStore? _sink;
        private int _armed;

        public TaskCompletionSource Held { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Install(WebApplicationBuilder builder) => builder.Services.AddInterceptedFileAuditSink(PassAsync, sink => _sink = sink);

        public void Arm() => Volatile.Write(ref _armed, 1);

        public void Release() => _released.TrySetResult();

        /// <summary>The records of tenant demo's chain naming <paramref name="requestId"/>, as the sink holds them now.</summary>
        public async Task<List<JsonElement>> StoredAsync(GovernedGateway gw, string requestId)
        {
            var partition = new AuditPartition("demo", gw.Host.Services.GetRequiredService<AuditJournal>().Replica);
            var found = new List<JsonElement>();
            await foreach (var line in _sink!.ReadAsync(partition, 0))
            {
                var record = JsonDocument.Parse(line).RootElement.Clone();
                if (record.TryGetProperty("request_id", out var id) && id.GetString() == requestId)
                {
                    found.Add(record);
                }
            }

            return found;
        }

        private async ValueTask<bool> PassAsync(IReadOnlyList<byte[]> lines, Func<ValueTask<bool>> append)
        {
            if (Volatile.Read(ref _armed) == 1 && InterceptedAuditSink.Carries(lines, "\"invoked\":true"))
            {
                Held.TrySetResult();
                await _released.Task;
            }

            return await append();
        }
    }
}
