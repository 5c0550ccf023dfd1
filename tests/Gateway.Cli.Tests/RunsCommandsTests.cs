using System.Net;
using System.Text.Json;

namespace Gateway.Cli.Tests;

/// <summary>
/// <c>gatewayctl runs list|inspect|cancel|diff</c> and <c>regress init --from-run</c> against the real gateway on Kestrel:
/// a run's story in order, in text and JSON; a cancel that refuses the run's next action; two runs' decisions compared;
/// a run's decisions written as fixtures that <c>policy test</c> passes.
/// </summary>
public sealed class RunsCommandsTests : IAsyncLifetime
{
    private const string ReadContact = """{"tool":"crm.read_contact","args":{"id":"c-1"}}""";
    private const string Shell = """{"tool":"shell.exec","args":{"cmd":"ls"}}""";
    private const string RefundTool = """{"tool":"payments.refund","args":{"order":"o-1","amount":25}}""";
    private DemoGateway _gw = null!;

    public async Task InitializeAsync() => _gw = await DemoGateway.StartAsync();

    public async Task DisposeAsync() => await _gw.DisposeAsync();

    [Fact]
    public async Task RunsInspect_EventsAndDecisions_PrintsEachStepInOrder()
    {
        var run = await _gw.StartRunAsync();
        await _gw.RunEventAsync(run, "started", "triage");
        Assert.Equal(HttpStatusCode.OK, await _gw.EvaluateInRunAsync(run, ReadContact));
        await _gw.RunEventAsync(run, "step", "escalate");
        Assert.Equal(HttpStatusCode.OK, await _gw.EvaluateInRunAsync(run, Shell));
        await _gw.RunEventAsync(run, "completed");

        var text = await _gw.RunAsync(DemoGateway.AdminToken, "runs", "inspect", run, "--tenant", DemoGateway.Tenant);
        var json = await _gw.RunAsync(DemoGateway.AdminToken, "runs", "inspect", run, "--tenant", DemoGateway.Tenant, "--json");

        Assert.True(text.ExitCode == 0, text.Error);
        Assert.Contains($"Run {run} of demo-agent (demo): completed by agent:demo-agent", text.Out, StringComparison.Ordinal);
        var steps = text.Out.Split('\n').Where(l => l.Length > 5 && char.IsDigit(l[2]) && l[3] == ' ').ToList();
        Assert.Equal(6, steps.Count);
        Assert.Contains("run started by gatewayctl-tests", steps[0], StringComparison.Ordinal);
        Assert.Contains("event started triage", steps[1], StringComparison.Ordinal);
        Assert.Contains("crm.read_contact", steps[2], StringComparison.Ordinal);
        Assert.Contains("allow", steps[2], StringComparison.Ordinal);
        Assert.Contains("event step escalate", steps[3], StringComparison.Ordinal);
        Assert.Contains("shell.exec", steps[4], StringComparison.Ordinal);
        Assert.Contains("block", steps[4], StringComparison.Ordinal);
        Assert.Contains("event completed", steps[5], StringComparison.Ordinal);
        Assert.True(json.ExitCode == 0, json.Error);
        using var document = JsonDocument.Parse(json.Out);
        Assert.Equal(6, document.RootElement.GetProperty("records").GetArrayLength());
        Assert.Equal("completed", document.RootElement.GetProperty("run").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Inspect_A2aTaskIdAndStateWithTerminalEscapes_AreWrittenEscaped()
    {
        // A remote agent's task id and state, and a run's purpose, as a gateway (or one recording them unchecked) answers them.
        await using var server = await AnsweringServer.StartAsync("application/json", """
            {"run":{"run_id":"run-0f1e2d3c4b5a69788796a5b4c3d2e1f0","agent":"demo-agent","tenant":"demo","status":"active","created_at":"2026-01-01T00:00:00+00:00","started_by":"demo-agent","trace_id":"t-1","purpose":"triage\u001b[2K\r"},
             "records":[{"seq":1,"time":"2026-01-01T00:00:01+00:00","agent":"demo-agent","tool":"h.s","connector":"helper","decision":"a2a_task_state","request_id":"r1","status_code":200,"a2a_task":{"id":"task-1\u001b[2A\r\u202e","state":"working\u001b[8m"}}]}
            """);

        var result = await CliRun.RunAsync(
            new Dictionary<string, string?> { ["GATEWAY_ADMIN_TOKEN"] = "gatewayctl-tests-token" },
            "runs", "inspect", "run-0f1e2d3c4b5a69788796a5b4c3d2e1f0", "--tenant", "demo", "--url", server.BaseAddress.ToString());

        Assert.True(result.ExitCode == 0, result.Out + result.Error);
        TerminalAssert.IsInert(result.Out);
        Assert.Contains(@"h.s task task-1\u{1B}[2A\u{D}", result.Out, StringComparison.Ordinal);
        Assert.Contains(@"task working\u{1B}[8m", result.Out, StringComparison.Ordinal);
        Assert.Contains(@"purpose: triage\u{1B}[2K\u{D}", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_PurposeWithAstralCharacterAtTheCut_ShowsNoLoneSurrogate()
    {
        // 58 characters, then an emoji (two UTF-16 units) where the 60-wide purpose column is cut.
        var shown = await ListedPurposeAsync(new string('a', 58) + "\\ud83d\\ude00 and more");

        Assert.Equal(new string('a', 58) + "…", shown);
        Assert.DoesNotContain(shown, char.IsSurrogate);
    }

    [Fact]
    public async Task List_PurposeWithControlAtTheCut_ShowsNoPartialEscape()
    {
        // 55 characters, then a right-to-left override whose escape (\u{202E}, 8 characters) would cross the cut.
        var shown = await ListedPurposeAsync(new string('a', 55) + "\\u202e and more");

        Assert.Equal(new string('a', 55) + "…", shown);
    }

    // The purpose column of `runs list` for one run whose purpose is the JSON string text <paramref name="purposeJson"/>.
    private static async Task<string> ListedPurposeAsync(string purposeJson)
    {
        await using var server = await AnsweringServer.StartAsync("application/json", $$"""
            {"runs":[{"run_id":"run-0f1e2d3c4b5a69788796a5b4c3d2e1f0","agent":"demo-agent","tenant":"demo","status":"active","created_at":"2026-01-01T00:00:00+00:00","framework":"none","purpose":"{{purposeJson}}"}]}
            """);

        var result = await CliRun.RunAsync(
            new Dictionary<string, string?> { ["GATEWAY_ADMIN_TOKEN"] = "gatewayctl-tests-token" },
            "runs", "list", "--tenant", "demo", "--url", server.BaseAddress.ToString());

        Assert.True(result.ExitCode == 0, result.Out + result.Error);
        var line = result.Out.Split('\n').Single(l => l.StartsWith("run-0f1e2d3c4b5a69788796a5b4c3d2e1f0", StringComparison.Ordinal)).TrimEnd('\r');
        return line[(line.IndexOf("none", StringComparison.Ordinal) + 16)..];
    }

    [Fact]
    public async Task RunsListAndCancel_ActiveRun_IsListedThenCancelledAndItsNextActionRefused()
    {
        var older = await _gw.StartRunAsync();
        var run = await _gw.StartRunAsync();

        var listed = await _gw.RunAsync(DemoGateway.AdminToken, "runs", "list", "--tenant", DemoGateway.Tenant, "--status", "active");
        var cancelled = await _gw.RunAsync(DemoGateway.AdminToken, "runs", "cancel", run, "--tenant", DemoGateway.Tenant, "--reason", "stuck in a loop");

        Assert.True(listed.ExitCode == 0, listed.Error);
        Assert.True(listed.Out.IndexOf(run, StringComparison.Ordinal) < listed.Out.IndexOf(older, StringComparison.Ordinal), listed.Out);
        Assert.True(cancelled.ExitCode == 0, cancelled.Error);
        Assert.Contains($"Run {run} of demo-agent (demo): cancelled by admin:bootstrap", cancelled.Out, StringComparison.Ordinal);
        Assert.Contains("(stuck in a loop)", cancelled.Out, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, await _gw.EvaluateInRunAsync(run, ReadContact));
        Assert.Equal(HttpStatusCode.OK, await _gw.EvaluateInRunAsync(older, ReadContact));
    }

    [Fact]
    public async Task RunsCancel_UnknownRun_Exits1WithTheProblemCode()
    {
        var result = await _gw.RunAsync(DemoGateway.AdminToken, "runs", "cancel", "run-" + new string('0', 32), "--tenant", DemoGateway.Tenant);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("run_not_found", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunsDiff_OneStepDecidedOtherwise_MarksItAndFailsOnChange()
    {
        var a = await _gw.StartRunAsync();
        var b = await _gw.StartRunAsync();
        foreach (var (run, last) in new[] { (a, ReadContact), (b, Shell) })
        {
            await _gw.RunEventAsync(run, "started", "triage");
            Assert.Equal(HttpStatusCode.OK, await _gw.EvaluateInRunAsync(run, ReadContact));
            Assert.Equal(HttpStatusCode.OK, await _gw.EvaluateInRunAsync(run, last));
        }

        var text = await _gw.RunAsync(DemoGateway.AdminToken, "runs", "diff", a, b, "--tenant", DemoGateway.Tenant);
        var json = await _gw.RunAsync(DemoGateway.AdminToken, "runs", "diff", a, b, "--tenant", DemoGateway.Tenant, "--json", "--fail-on-change");

        Assert.True(text.ExitCode == 0, text.Error);
        Assert.Contains("2 of 5 step(s) differ", text.Out, StringComparison.Ordinal);
        Assert.Equal(5, json.ExitCode);
        using var document = JsonDocument.Parse(json.Out);
        var steps = document.RootElement.GetProperty("steps").EnumerateArray().ToList();
        Assert.Equal(["start", "event:started:triage", "action:crm.read_contact", "action:crm.read_contact", "action:shell.exec"], steps.Select(s => s.GetProperty("key").GetString()));
        Assert.All(steps.Take(3), s => Assert.False(s.GetProperty("differs").GetBoolean()));
        Assert.Equal(JsonValueKind.Null, steps[4].GetProperty("a").ValueKind);
        Assert.StartsWith("block", steps[4].GetProperty("b").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RegressInit_FromRun_WritesFixturesThatPolicyTestPasses()
    {
        var run = await _gw.StartRunAsync();
        Assert.Equal(HttpStatusCode.OK, await _gw.EvaluateInRunAsync(run, ReadContact));
        Assert.Equal(HttpStatusCode.OK, await _gw.EvaluateInRunAsync(run, Shell));
        Assert.Equal(HttpStatusCode.OK, await _gw.EvaluateInRunAsync(run, RefundTool));
        var file = Path.Combine(Directory.CreateTempSubdirectory("gatewayctl-regress-").FullName, "run.yaml");

        var written = await _gw.RunAsync(DemoGateway.AdminToken, "regress", "init", "--from-run", run, "--tenant", DemoGateway.Tenant, "-o", file);
        var again = await _gw.RunAsync(DemoGateway.AdminToken, "regress", "init", "--from-run", run, "--tenant", DemoGateway.Tenant, "-o", file);
        var tested = await CliRun.RunAsync("policy", "test", _gw.BundleDirectory, file);

        Assert.True(written.ExitCode == 0, written.Error);
        Assert.Contains($"Wrote 3 fixture(s) of run {run}", written.Out, StringComparison.Ordinal);
        Assert.Equal(6, again.ExitCode);
        var fixtures = File.ReadAllText(file);
        Assert.Contains("request: { tool: \"shell.exec\", args: {} }\n    expect: { decision: \"block\", failing_controls: [\"tool_permission\", \"approval_gate\"], reason_codes: [", fixtures, StringComparison.Ordinal);
        Assert.Contains("\"tool_not_permitted\"", fixtures, StringComparison.Ordinal);
        Assert.Contains("decision: \"require_approval\"", fixtures, StringComparison.Ordinal);
        Assert.True(tested.ExitCode == 0, tested.Out + tested.Error);
        Assert.Contains("3 passed, 0 failed", tested.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RegressInit_RunWithALoopDetectedStep_PolicyTestPassesOnTheSameBundle()
    {
        await using var gw = await DemoGateway.StartAsync(t => t.Replace("loop: { repeats: 25, decision: require_approval }", "loop: { repeats: 2, decision: block }", StringComparison.Ordinal));
        var run = await gw.StartRunAsync();
        await gw.InvokeInRunAsync(run, ReadContact);
        Assert.Equal(HttpStatusCode.OK, await gw.EvaluateInRunAsync(run, ReadContact));
        var file = Path.Combine(Directory.CreateTempSubdirectory("gatewayctl-regress-").FullName, "run.yaml");

        var written = await gw.RunAsync(DemoGateway.AdminToken, "regress", "init", "--from-run", run, "--tenant", DemoGateway.Tenant, "-o", file);
        var tested = await CliRun.RunAsync("policy", "test", gw.BundleDirectory, file);

        Assert.True(written.ExitCode == 0, written.Error);
        var fixtures = File.ReadAllText(file);
        Assert.Contains("\"run_loop_detected\"", fixtures, StringComparison.Ordinal);
        Assert.Contains("run: { intent_repeats: 2 }", fixtures, StringComparison.Ordinal);
        Assert.True(tested.ExitCode == 0, tested.Out + tested.Error);
        Assert.Contains("2 passed, 0 failed", tested.Out, StringComparison.Ordinal);
    }
}
