using System.Collections.Concurrent;
using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Store;
using static Gateway.Proxy.Tests.A2a.A2aRouteTests;

namespace Gateway.Proxy.Tests.A2a;

/// <summary>
/// The store calls an A2A call continuing a task the caller holds makes on the task's keys: its owner and flags read in
/// one call as it is described, a redacted flag already set not written again before forwarding, and the owner and the
/// flags set before renewed once each after the answer (docs/a2a.md).
/// </summary>
public sealed class A2aTaskFlagStoreCallsTests
{
    private const string Owner = "owner";
    private const string Redacted = "redacted";
    private const string Webhook = "webhook";

    [Fact]
    public async Task SendMessage_ContinuingATaskAlreadyFlaggedRedacted_WritesNoFlagBeforeForwardingAndRenewsItOnce()
    {
        var calls = new ConcurrentQueue<TaskKeyCall>();
        var forwarded = new Forwarded();
        await using var setup = await StartAsync(redacted: true, wrapStore: store => Noting(store, calls, forwarded));
        forwarded.Agent = setup.Agent;
        // Opened under summarize, degraded to redact: its answer flags the task redacted.
        var task = (await SendAsync(setup.Gateway.Agent, Message("SendMessage", "summarize", "open"))).GetProperty("result").GetProperty("task").GetProperty("id").GetString()!;
        Assert.Contains(calls, c => c is { Call: "set", Key: Redacted });
        calls.Clear();

        var continued = await SendAsync(setup.Gateway.Agent, Message("SendMessage", "summarize", "more", taskId: task));

        Assert.True(continued.TryGetProperty("result", out _), continued.ToString());
        var made = calls.ToArray();
        Assert.DoesNotContain(made, c => c.Forwarded < 2 && IsWrite(c.Call));
        Assert.Equal([("get_many", Owner), ("replace_if_equal", Owner), ("set", Redacted)],
            made.Where(c => c.Call != "get_many" || c.Key == Owner).Select(c => (c.Call, c.Key)));
    }

    [Fact]
    public async Task SendMessage_ContinuingAnUnflaggedTaskNotDegraded_ReadsItOnceAndRenewsItsOwnerInOneCall()
    {
        var calls = new ConcurrentQueue<TaskKeyCall>();
        var forwarded = new Forwarded();
        await using var setup = await StartAsync(grantTranslate: true, wrapStore: store => Noting(store, calls, forwarded));
        forwarded.Agent = setup.Agent;
        var task = (await SendAsync(setup.Gateway.Agent, Message("SendMessage", "translate", "open"))).GetProperty("result").GetProperty("task").GetProperty("id").GetString()!;
        calls.Clear();

        var continued = await SendAsync(setup.Gateway.Agent, Message("SendMessage", "translate", "more", taskId: task));

        Assert.True(continued.TryGetProperty("result", out _), continued.ToString());
        Assert.Equal([("get_many", Owner), ("replace_if_equal", Owner)], calls.Select(c => (c.Call, c.Key)));
    }

    private static bool IsWrite(string call) => call is "set" or "set_if_absent" or "replace_if_equal";

    // The store, noting every call on an A2A task's keys (the first key's kind) with how many calls the remote agent had received.
    private static IStateStore Noting(IStateStore inner, ConcurrentQueue<TaskKeyCall> calls, Forwarded forwarded) =>
        InterceptedStateStore.Wrap(inner, (method, args, call) =>
        {
            var key = args is [string one, ..] ? one : args is [IReadOnlyList<string> { Count: > 0 } keys, ..] ? keys[0] : null;
            if (key is not null && KindOf(key) is { } kind)
            {
                calls.Enqueue(new TaskKeyCall(Call(method.Name), kind, forwarded.Agent?.Received.Count ?? 0));
            }

            return call();
        });

    private static string? KindOf(string key) =>
        key.Contains(":a2a-task:", StringComparison.Ordinal) ? Owner
        : !key.Contains(":a2a-task-webhook:", StringComparison.Ordinal) ? null
        : key[(key.LastIndexOf(':') + 1)..].StartsWith("redacted-", StringComparison.Ordinal) ? Redacted
        : Webhook;

    private static string Call(string method) => method switch
    {
        nameof(IStateStore.GetAsync) => "get",
        nameof(IStateStore.GetManyAsync) => "get_many",
        nameof(IStateStore.SetAsync) => "set",
        nameof(IStateStore.TrySetIfAbsentAsync) => "set_if_absent",
        nameof(IStateStore.ReplaceIfEqualAsync) => "replace_if_equal",
        _ => method,
    };

    /// <summary>A call on an A2A task's key: the call, the key's kind, and how many calls the remote agent had received.</summary>
    private sealed record TaskKeyCall(string Call, string Key, int Forwarded);

    /// <summary>The remote agent whose received calls are counted (set once the gateway has started).</summary>
    private sealed class Forwarded
    {
        public A2aTestAgent? Agent { get; set; }
    }
}
