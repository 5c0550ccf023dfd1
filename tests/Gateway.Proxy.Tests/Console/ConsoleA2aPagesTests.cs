using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Proxy.Tests.Infrastructure;
using static Gateway.Proxy.Tests.A2a.A2aRouteTests;
using static Gateway.Proxy.Tests.Console.ConsoleHttp;

namespace Gateway.Proxy.Tests.Console;

/// <summary>
/// A2A calls in the console like tool calls (docs/a2a.md): a held message to a remote agent reads, in the inbox and on its
/// approval page, as a message to that agent through that skill with its (redacted) text; and a streamed message in a run
/// is in the run's story under its skill, with each state of the remote task.
/// </summary>
public sealed class ConsoleA2aPagesTests
{
    [Fact]
    public async Task ApprovalPage_HeldA2aMessage_NamesTheRemoteAgentTheSkillAndTheMessage()
    {
        await using var setup = await StartAsync();
        var gw = setup.Gateway;
        var held = (await SendAsync(gw.Agent, Message("SendMessage", "wire", "Pay invoice 7; receipt to ops@example.com"))).GetProperty("result").GetProperty("task");
        var approvalId = held.GetProperty("id").GetString()!;
        using var client = Browser(gw.Host.BaseAddress);
        var session = await TokenSignInAsync(client, await gw.IssueTokenAsync("alice", "approver", "auditor"));

        using var inbox = await client.SendAsync(Get("/console/demo/approvals", session));
        using var page = await client.SendAsync(Get("/console/demo/approvals/" + approvalId, session));
        var listed = await inbox.Content.ReadAsStringAsync();
        var html = await page.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("send remote agent helper (skill wire) the message", listed, StringComparison.Ordinal);
        Assert.Contains("demo-agent asks to send remote agent helper (skill wire) the message &#x201C;<code class=\"agent\" dir=\"ltr\">Pay invoice 7; receipt to [REDACTED:email]</code>&#x201D;", html, StringComparison.Ordinal);
        var section = html[html.IndexOf("id=\"a2a-message\"", StringComparison.Ordinal)..];
        Assert.Contains("<dt>Remote agent</dt><dd><code>helper</code> (<code>" + setup.Upstream.Origin, section, StringComparison.Ordinal);
        Assert.Contains("<dt>Skill</dt><dd><code>wire</code></dd>", section, StringComparison.Ordinal);
        Assert.Contains("<dt>A2A method</dt><dd><code>SendMessage</code></dd>", section, StringComparison.Ordinal);
        Assert.Contains("<pre id=\"a2a-text\" class=\"wrap\">Pay invoice 7; receipt to [REDACTED:email]</pre>", section, StringComparison.Ordinal);
        Assert.DoesNotContain("ops@example.com", html, StringComparison.Ordinal);
        Assert.Empty(setup.Agent.Received);
    }

    [Fact]
    public async Task Detail_MessageContinuingATaskAsTaskUnderscoreId_ShowsTheTask()
    {
        await using var setup = await StartAsync();
        var gw = setup.Gateway;
        var task = await A2a.A2aPushConfigTests.OpenTaskAsync(setup);
        var message = JsonNode.Parse(Message("SendMessage", "wire", "Pay invoice 7"))!;
        message["params"]!["message"]!["task_id"] = task;
        var held = (await SendAsync(gw.Agent, message.ToJsonString())).GetProperty("result").GetProperty("task");
        using var client = Browser(gw.Host.BaseAddress);
        var session = await TokenSignInAsync(client, await gw.IssueTokenAsync("alice", "approver"));

        using var page = await client.SendAsync(Get("/console/demo/approvals/" + held.GetProperty("id").GetString(), session));
        var html = await page.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("<dt>Continues task</dt><dd><code>" + task + "</code></dd>", html, StringComparison.Ordinal);
        Assert.Contains("&#x201D; on its task <code class=\"agent\" dir=\"ltr\">" + task + "</code>", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunStory_StreamedA2aMessage_ShowsTheSkillsCallAndEachStateOfTheRemoteTask()
    {
        await using var setup = await StartAsync();
        var gw = setup.Gateway;
        var run = await RunCalls.StartIdAsync(gw.Agent);
        string taskId;
        using (var response = await gw.Agent.SendAsync(gw.Agent.CreateInRun(HttpMethod.Post, "/a2a/helper", Message("SendStreamingMessage", "summarize", "in a run"), run)))
        {
            var first = (await response.Content.ReadAsStringAsync()).Split("\n\n")[0]["data: ".Length..];
            taskId = JsonDocument.Parse(first).RootElement.GetProperty("result").GetProperty("statusUpdate").GetProperty("taskId").GetString()!;
        }

        using var client = Browser(gw.Host.BaseAddress);
        var session = await TokenSignInAsync(client, await gw.IssueTokenAsync("runs-auditor", "auditor"));
        using var story = await client.SendAsync(Get("/console/demo/runs/" + run, session));
        var html = await story.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, story.StatusCode);
        Assert.Contains("demo-agent · helper.summarize · <strong>allow</strong>", html, StringComparison.Ordinal);
        var working = html.IndexOf($"helper.summarize: remote agent helper, task {taskId} · <strong>task working</strong>", StringComparison.Ordinal);
        var completed = html.IndexOf($"helper.summarize: remote agent helper, task {taskId} · <strong>task completed</strong>", StringComparison.Ordinal);
        Assert.True(working > 0 && completed > working, html);
    }
}
