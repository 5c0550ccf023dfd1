using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gamut.Agent.Tests.Infrastructure;
using Microsoft.Extensions.AI;
using ModelContextProtocol.Client;
using OpenAI.Chat;

namespace Gamut.Agent.Tests;

/// <summary>
/// The run scope against the REAL gateway: a run started, every action in it carrying <c>X-Gamut-Run</c> (signed) — the
/// governed actions, the signing handler, the OpenAI policy, the MCP transport — its events and ending in the gateway's
/// audit journal in order, an operator's cancel thrown as <see cref="GamutRunCancelledException"/>, and the
/// Microsoft.Extensions.AI bridge opening one run per invocation.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class RunTests(GatewayEnvironment env) : IDisposable
{
    private static readonly JsonElement ContactSchema = JsonDocument.Parse("""{"type":"object","properties":{"id":{"type":"string"}},"required":["id"]}""").RootElement.Clone();
    private readonly GamutClient _gamut = new(env.Demo);

    private static JsonObject Contact => new() { ["id"] = "42" };

    public void Dispose() => _gamut.Dispose();

    [Fact]
    public async Task StartRunAsync_AwaitUsing_TheBoundClientsActionsAndStepAreRecordedInOrder_ThenCompleted()
    {
        GamutDecision decision;
        string runId;
        await using (var run = await _gamut.StartRunAsync(new GamutRunOptions { Framework = "dotnet-tests", Purpose = "read contact 42" }))
        {
            runId = run.Id;
            Assert.Matches("^run-[0-9a-f]{32}$", run.Id);
            Assert.Equal("dotnet-tests", run.Info.GetProperty("framework").GetString());
            Assert.Equal(run.Id, run.Client.RunId);
            Assert.Null(_gamut.RunId);
            decision = await run.Client.EvaluateAsync("crm.read_contact", Contact);
            Assert.Equal("active", await run.StepAsync("looked up the contact", new JsonObject { ["contact"] = "42" }));
            await run.Client.InvokeToolAsync("crm.read_contact", Contact);
            await _gamut.EvaluateAsync("crm.read_contact", Contact);
            Assert.Equal("completed", await run.CompleteAsync());
            Assert.Equal("completed", run.Ended);
        }

        Assert.Equal(runId, decision.Explanation.GetProperty("run_id").GetString());
        Assert.Equal(
            ["event:created", "crm.read_contact:allow", "event:step", "crm.read_contact:allow", "crm.read_contact:allow:invoked", "event:completed"],
            await env.RunStoryAsync(runId));
    }

    [Fact]
    public async Task StartRunAsync_DisposedWithoutComplete_IsRecordedFailed()
    {
        var run = await _gamut.StartRunAsync(new GamutRunOptions { Purpose = "left early" });

        await run.DisposeAsync();

        Assert.Equal("failed", run.Ended);
        var last = (await env.RunRecordsAsync(run.Id)).Last()!;
        Assert.Equal("not_completed", last["run_event"]!["detail"]!["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task RunAsync_TheAgentsClientCarriesTheRunInTheCallbackOnly_ThenCompleted()
    {
        var (run, decision) = await _gamut.RunAsync(async (run, token) =>
        {
            Assert.Equal(run.Id, _gamut.RunId);
            using var erin = _gamut.ForPerson("a.b.c");
            Assert.Equal(run.Id, erin.RunId);
            return (run, await _gamut.EvaluateAsync("crm.read_contact", Contact, cancellationToken: token));
        }, new GamutRunOptions { Purpose = "scoped" });

        Assert.Null(_gamut.RunId);
        Assert.Equal("completed", run.Ended);
        Assert.Equal(run.Id, decision.Explanation.GetProperty("run_id").GetString());
        Assert.Equal(["event:created", "crm.read_contact:allow", "event:completed"], await env.RunStoryAsync(run.Id));
    }

    [Fact]
    public async Task RunAsync_CallbackThrows_IsRecordedFailedAndTheExceptionPropagates()
    {
        GamutRun? run = null;

        await Assert.ThrowsAsync<InvalidOperationException>(() => _gamut.RunAsync(async (r, token) =>
        {
            run = r;
            await _gamut.EvaluateAsync("crm.read_contact", Contact, cancellationToken: token);
            throw new InvalidOperationException("the model gave up");
        }));

        Assert.Equal("failed", run!.Ended);
        var last = (await env.RunRecordsAsync(run.Id)).Last()!;
        Assert.Equal("InvalidOperationException", last["run_event"]!["detail"]!["error"]!.GetValue<string>());
    }

    [Fact]
    public async Task RunAsync_OperatorCancels_NextActionThrowsRunCancelledNamingTheRun_NothingMoreRuns()
    {
        var before = env.Upstream.Count("/crm/contacts/42");
        GamutRun? run = null;

        var cancelled = await Assert.ThrowsAsync<GamutRunCancelledException>(() => _gamut.RunAsync(async (r, token) =>
        {
            run = r;
            await _gamut.EvaluateAsync("crm.read_contact", Contact, cancellationToken: token);
            await env.CancelRunAsync(r.Id);
            await _gamut.InvokeToolAsync("crm.read_contact", Contact, cancellationToken: token);
        }));

        Assert.Equal((409, "run_cancelled", run!.Id), (cancelled.Status, cancelled.Code, cancelled.RunId));
        Assert.Equal("cancelled", run.Ended);
        Assert.Equal(before, env.Upstream.Count("/crm/contacts/42"));
        var shown = await env.RunStoryResponseAsync(run.Id);
        var endedBy = shown["run"]!["ended_by"]!.GetValue<string>();
        Assert.Equal("cancelled", shown["run"]!["status"]!.GetValue<string>());
        Assert.StartsWith("admin:", endedBy, StringComparison.Ordinal);
        var refused = shown["records"]!.AsArray().Single(r => r!["decision"]!.GetValue<string>() == "refused:run_cancelled")!;
        Assert.Equal(("crm.read_contact", endedBy), (refused["tool"]!.GetValue<string>(), refused["run_ended_by"]!.GetValue<string>()));
        Assert.Equal("event:cancelled", (await env.RunStoryAsync(run.Id))[^1]);
    }

    [Fact]
    public async Task RunAsync_CancelledByAnotherProcessOfTheAgent_NextActionThrowsRunCancelled()
    {
        GamutRun? run = null;

        var cancelled = await Assert.ThrowsAsync<GamutRunCancelledException>(() => _gamut.RunAsync(async (r, token) =>
        {
            run = r;
            using var supervisor = new GamutClient(env.Demo).InRun(r.Id);
            using var http = new HttpClient(supervisor.CreateSigningHandler());
            using var answer = await http.PostAsync(new Uri($"{env.BaseUrl}/v1/runs/{r.Id}/events"),
                new StringContent("""{"type":"cancelled","name":"supervisor"}""", Encoding.UTF8, "application/json"), token);
            Assert.Equal("cancelled", JsonNode.Parse(await answer.Content.ReadAsStringAsync(token))!["status"]!.GetValue<string>());
            await _gamut.EvaluateAsync("crm.read_contact", Contact, cancellationToken: token);
        }));

        Assert.Equal((run!.Id, "cancelled"), (cancelled.RunId, cancelled.RunStatus));
        Assert.Equal(["crm.read_contact:refused:run_cancelled", "event:cancelled"], (await env.RunStoryAsync(run.Id))[^2..]);
    }

    [Fact]
    public async Task CompleteAsync_AfterAnOperatorsCancel_ThrowsRunCancelled()
    {
        await using var run = await _gamut.StartRunAsync();
        await env.CancelRunAsync(run.Id);

        var cancelled = await Assert.ThrowsAsync<GamutRunCancelledException>(() => run.CompleteAsync());

        Assert.Equal(run.Id, cancelled.RunId);
        Assert.Equal("cancelled", run.Ended);
    }

    [Fact]
    public async Task EndedRun_NextActionThrowsRunEnded_NotCancelled()
    {
        await using var run = await _gamut.StartRunAsync();
        await run.CompleteAsync();

        var ended = await Assert.ThrowsAsync<GamutRunEndedException>(() => run.Client.EvaluateAsync("crm.read_contact", Contact));

        Assert.Equal(("run_ended", "completed"), (ended.Code, ended.RunStatus));
        Assert.IsNotType<GamutRunCancelledException>(ended);
    }

    [Fact]
    public async Task RunAsync_SigningHandlerOpenAIPolicyAndMcpTransport_CarryTheRun()
    {
        var run = await _gamut.RunAsync(async (run, token) =>
        {
            using var http = new HttpClient(_gamut.CreateSigningHandler());
            using var evaluated = await http.PostAsync(new Uri($"{env.BaseUrl}/v1/evaluate"),
                new StringContent("""{"tool":"crm.read_contact","args":{"id":"42"}}""", Encoding.UTF8, "application/json"), token);
            Assert.Equal(run.Id, JsonNode.Parse(await evaluated.Content.ReadAsStringAsync(token))!["explanation"]!["run_id"]!.GetValue<string>());
            ChatCompletion completion = await _gamut.CreateOpenAIClient().GetChatClient("gpt-4o-mini").CompleteChatAsync([new UserChatMessage("hello")], cancellationToken: token);
            Assert.Equal("The gateway streamed this.", completion.Content[0].Text);
            await using var mcp = await McpClient.CreateAsync(_gamut.CreateMcpTransport(), cancellationToken: token);
            await mcp.CallToolAsync("crm_read_contact", new Dictionary<string, object?> { ["id"] = "42" }, cancellationToken: token);
            return run;
        });

        var story = await env.RunStoryAsync(run.Id);
        Assert.Contains("openai:allow:invoked", story);
        Assert.Contains("crm.read_contact:allow:invoked", story);
    }

    [Fact]
    public async Task RunAsync_RunStartedInsideIsASubRun_AndAnotherAgentsClientDoesNotCarryIt()
    {
        using var keyAgent = KeyAgent("ed25519-demo");

        var (outer, inner) = await _gamut.RunAsync(async (outer, token) =>
        {
            Assert.Null(keyAgent.RunId);
            Assert.False((await keyAgent.EvaluateAsync("crm.read_contact", Contact, cancellationToken: token)).Explanation.TryGetProperty("run_id", out _));
            return (outer, await _gamut.RunAsync((inner, _) => Task.FromResult(inner), cancellationToken: token));
        });

        Assert.Equal(outer.Id, inner.ParentRun);
    }

    [Fact]
    public async Task KeyAgent_InARun_CoversItWithItsRfc9421Signature_AndAnotherAgentsRunIsForeign()
    {
        using var keyAgent = KeyAgent("p256-demo");
        await using var run = await keyAgent.StartRunAsync(new GamutRunOptions { Purpose = "signed with a key" });

        var decision = await run.Client.EvaluateAsync("crm.read_contact", Contact);
        var foreign = await Assert.ThrowsAsync<GamutDeniedException>(() => _gamut.InRun(run.Id).EvaluateAsync("crm.read_contact", Contact));
        await run.CompleteAsync();

        Assert.Equal(run.Id, decision.Explanation.GetProperty("run_id").GetString());
        Assert.Equal((403, "run_foreign"), (foreign.Status, foreign.Code));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ForPersonInARun_SignatureCoversBoth_TheGatewayChecksTheTokenItself(bool keyPair)
    {
        // The suite's tenant declares no OpenID provider: a signature over both verified, the token itself is refused.
        using var agent = keyPair ? KeyAgent("ed25519-demo") : new GamutClient(env.Demo);
        await using var run = await agent.StartRunAsync(new GamutRunOptions { Purpose = "for a person" });
        using var erin = run.Client.ForPerson("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJlcmluIn0.c2lnbmF0dXJl");

        var refused = await Assert.ThrowsAsync<GamutAuthenticationException>(() => erin.EvaluateAsync("crm.read_contact", Contact));
        await run.CompleteAsync();

        Assert.Equal("person_token_invalid", refused.Code);
        Assert.Equal(run.Id, erin.RunId);
    }

    [Fact]
    public void InRun_MalformedRunId_IsRefused() =>
        Assert.Throws<GamutConfigurationException>(() => _gamut.InRun("run-42"));

    [Fact]
    public async Task GamutRunChatClient_EachInvocationIsOneRun_WithItsModelTurnsAndToolCalls()
    {
        var runs = new List<string>();
        var chat = new ChatClientBuilder(new GamutChatClient(_gamut, "gpt-4o-mini"))
            .Use(inner => new GamutRunChatClient(inner, _gamut, purpose: "crm assistant"))
            .UseFunctionInvocation()
            .Build();
        var options = new ChatOptions { Tools = [new ReadContactProbe(_gamut, runs)] };

        var first = await chat.GetResponseAsync("call read_contact_probe {\"id\":\"42\"}", options);
        await chat.GetResponseAsync("call read_contact_probe {\"id\":\"42\"}", options);

        Assert.Matches("The tool answered: .*Dana Example", first.Text);
        Assert.Equal(2, runs.Distinct().Count());
        Assert.Equal(
            ["event:created", "openai:allow", "openai:allow:invoked", "crm.read_contact:allow", "crm.read_contact:allow:invoked", "openai:allow", "openai:allow:invoked", "event:completed"],
            await env.RunStoryAsync(runs[0]));
        var started = (await env.RunRecordsAsync(runs[0])).First()!["run_event"]!["detail"]!;
        Assert.Equal(("microsoft-extensions-ai", "crm assistant"), (started["framework"]!.GetValue<string>(), started["purpose"]!.GetValue<string>()));
        Assert.Null(_gamut.RunId);
    }

    private GamutClient KeyAgent(string key)
    {
        var vector = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(RepositoryRoot.Path, "tests", "vectors", "agent-protocol.json"))).RootElement
            .GetProperty("message_signatures").GetProperty("keys").EnumerateArray().Single(k => k.GetProperty("name").GetString() == key);
        return new GamutClient(new GamutOptions
        {
            BaseUrl = env.BaseUrl, Tenant = "demo", Workspace = "ws-demo", AgentId = "key-agent",
            PrivateKey = vector.GetProperty("private_key_pem").GetString(), KeyId = vector.GetProperty("key_id").GetString(),
        });
    }

    /// <summary>A tool that notes the run its client carries when the model calls it, then reads the contact through the gateway.</summary>
    private sealed class ReadContactProbe(GamutClient gamut, List<string> runs) : AIFunction
    {
        private readonly GamutToolFunction _read = new(gamut, "crm.read_contact", parametersSchema: ContactSchema);

        public override string Name => "read_contact_probe";

        public override string Description => "Reads a CRM contact, noting the run.";

        public override JsonElement JsonSchema => ContactSchema;

        protected override ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
        {
            runs.Add(gamut.RunId!);
            return _read.InvokeAsync(arguments, cancellationToken);
        }
    }
}
