using static Gateway.Proxy.Tests.A2a.A2aRouteTests;

namespace Gateway.Proxy.Tests.A2a;

/// <summary>
/// A task listing through the gateway (docs/a2a.md): the remote agent's answer keeps only the caller's tasks and no
/// <c>totalSize</c>; an answer in a shape the gateway does not read lists nothing.
/// </summary>
public sealed class A2aTaskListingTests
{
    [Fact]
    public async Task ListTasks_Answer_KeepsOnlyTheCallersTasks()
    {
        await using var setup = await StartAsync();
        var gw = setup.Gateway;
        var own = (await SendAsync(gw.Agent, Message("SendMessage", "summarize", "mine"))).GetProperty("result").GetProperty("task").GetProperty("id").GetString()!;
        var rogues = (await SendAsync(gw.Rogue, Message("SendMessage", "summarize", "theirs"))).GetProperty("result").GetProperty("task").GetProperty("id").GetString()!;

        var listed = (await SendAsync(gw.Agent, TaskCall("ListTasks", "x"))).GetProperty("result");
        var rogueListed = (await SendAsync(gw.Rogue, TaskCall("ListTasks", "x"))).GetProperty("result");

        Assert.Equal([own], listed.GetProperty("tasks").EnumerateArray().Select(t => t.GetProperty("id").GetString()!).ToArray());
        Assert.Equal([rogues], rogueListed.GetProperty("tasks").EnumerateArray().Select(t => t.GetProperty("id").GetString()!).ToArray());
        Assert.False(listed.TryGetProperty("totalSize", out _));
    }

    [Fact]
    public async Task ListTasks_AnswerInAShapeNotRead_ListsNothing()
    {
        await using var setup = await StartAsync();
        var gw = setup.Gateway;
        await SendAsync(gw.Rogue, Message("SendMessage", "summarize", "theirs"));
        setup.Agent.ListingMember = "Tasks";

        var listed = (await SendAsync(gw.Agent, TaskCall("ListTasks", "x"))).GetProperty("result");

        Assert.Equal("""{"tasks":[]}""", listed.GetRawText());
    }
}
