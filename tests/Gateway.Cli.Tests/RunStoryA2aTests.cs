using System.Text.Json;
using Gateway.Cli.Runs;

namespace Gateway.Cli.Tests;

/// <summary>
/// A run's story with an A2A call (docs/a2a.md): the message is a step like a tool call (its outcome joined), and each
/// remote task state the call's answer showed is a step of its own, named by the tool and the task, its state compared.
/// </summary>
public sealed class RunStoryA2aTests
{
    [Fact]
    public void Of_A2aCallWithTaskStates_IsAnActionThenOneStepPerState()
    {
        using var document = JsonDocument.Parse("""
            {"tenant":"demo","run_id":"run-1","records":[
              {"seq":1,"time":"2026-01-01T00:00:00+00:00","agent":"demo-agent","tool":"helper.summarize","connector":"helper","decision":"allow","policy_digest":"p","request_id":"r1"},
              {"seq":2,"time":"2026-01-01T00:00:01+00:00","agent":"demo-agent","tool":"helper.summarize","connector":"helper","decision":"allow","request_id":"r1","status_code":200,"invoked":true,"upstream_status":200},
              {"seq":3,"time":"2026-01-01T00:00:01+00:00","agent":"demo-agent","tool":"helper.summarize","connector":"helper","decision":"a2a_task_state","request_id":"r1","status_code":200,"a2a_task":{"id":"task-1","state":"working"}},
              {"seq":4,"time":"2026-01-01T00:00:01+00:00","agent":"demo-agent","tool":"helper.summarize","connector":"helper","decision":"a2a_task_state","request_id":"r1","status_code":200,"a2a_task":{"id":"task-1","state":"completed"}}
            ]}
            """);

        var story = RunStory.Of(document.RootElement);

        Assert.Equal(3, story.Steps.Count);
        Assert.Equal((RunStepKind.Action, "helper.summarize", "allow"), (story.Steps[0].Kind, story.Steps[0].What, story.Steps[0].Decision));
        Assert.StartsWith("200 upstream 200", story.Steps[0].Outcome, StringComparison.Ordinal);
        Assert.Equal(["helper.summarize task task-1"], story.Steps.Skip(1).Select(s => s.What).Distinct());
        Assert.Equal(["task working", "task completed"], story.Steps.Skip(1).Select(s => s.Decision));
        Assert.All(story.Steps.Skip(1), s => Assert.Equal("task:helper.summarize", s.Key));
    }
}
