using System.Text.Json;
using Gateway.Proxy.A2a;

namespace Gateway.Proxy.Tests.A2a;

/// <summary>
/// The task state a remote agent's answer shows, as the audit record keeps it (docs/a2a.md, "Task states"): a task id
/// longer than 256 characters or holding a control or format character is not recorded, and a state that is not
/// lowercase letters and hyphens in 0.3's words is recorded as <c>unknown</c>, so neither reaches a terminal raw; such
/// a task id names no task at all, so no caller is recorded as its owner.
/// </summary>
public sealed class A2aTaskEventsTests
{
    [Theory]
    [InlineData("t-1\u001b[2A\r", "working", null)]
    [InlineData("t-1\u202e", "working", null)]
    [InlineData("t-1\u2028", "working", null)]
    [InlineData("t-1", "working\u001b[8m", "unknown")]
    [InlineData("t-1", "work\ning", "unknown")]
    [InlineData("t-1", "w\u00f6rking", "unknown")]
    public void StateOf_TaskIdOrStateWithControlCharacters_IsNotRecordedRaw(string id, string state, string? recorded)
    {
        A2aTaskState? expected = recorded is null ? null : new A2aTaskState(id, recorded);

        var shown = A2aTaskEvents.StateOf(Task(id, state));

        Assert.Equal(expected, shown);
    }

    [Fact]
    public void StateOf_TaskIdLongerThan256Characters_IsNotRecorded()
    {
        Assert.Equal(new A2aTaskState(new string('a', 256), "working"), A2aTaskEvents.StateOf(Task(new string('a', 256), "working")));
        Assert.Null(A2aTaskEvents.StateOf(Task(new string('a', 257), "working")));
    }

    [Theory]
    [InlineData("t-1\u001b[2A\r")]
    [InlineData("t-1\u202e")]
    [InlineData("t-1\u2028")]
    public void TaskIdOf_IdWithControlOrFormatCharacters_NamesNoTask(string id)
    {
        Assert.Null(A2aTaskEvents.TaskIdOf(Task(id, "working")));
        Assert.Null(A2aTaskEvents.TaskIdOf(JsonSerializer.SerializeToElement(new { statusUpdate = new { taskId = id, status = new { state = "working" } } })));
    }

    [Fact]
    public void TaskIdOf_IdLongerThan256Characters_NamesNoTask()
    {
        Assert.Equal(new string('a', 256), A2aTaskEvents.TaskIdOf(Task(new string('a', 256), "working")));
        Assert.Null(A2aTaskEvents.TaskIdOf(Task(new string('a', 257), "working")));
    }

    [Theory]
    [InlineData("TASK_STATE_INPUT_REQUIRED", "input-required")]
    [InlineData("cancelled", "canceled")]
    [InlineData("TASK_STATE_UNSPECIFIED", "unknown")]
    [InlineData("completed", "completed")]
    public void StateOf_StateInEitherVersionsWords_IsRecordedIn03Words(string state, string recorded)
    {
        Assert.Equal(new A2aTaskState("t-1", recorded), A2aTaskEvents.StateOf(Task("t-1", state)));
    }

    private static JsonElement Task(string id, string state) =>
        JsonSerializer.SerializeToElement(new { task = new { id, status = new { state } } });
}
