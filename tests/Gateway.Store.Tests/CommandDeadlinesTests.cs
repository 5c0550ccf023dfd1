using System.Diagnostics;

namespace Gateway.Store.Tests;

/// <summary>Redis calls share one cancellation source per slice of the command timeout instead of a timer each.</summary>
public sealed class CommandDeadlinesTests
{
    [Fact]
    public void Next_CallsInOneSlice_ShareOneToken()
    {
        var deadlines = new CommandDeadlines(TimeSpan.FromMinutes(8), TimeProvider.System);

        var first = deadlines.Next();
        var second = deadlines.Next();

        Assert.Equal(first, second);
        Assert.True(first.CanBeCanceled);
        Assert.False(first.IsCancellationRequested);
    }

    [Fact]
    public async Task Next_AfterItsSlice_OpensAnotherToken()
    {
        var deadlines = new CommandDeadlines(TimeSpan.FromMilliseconds(400), TimeProvider.System);
        var first = deadlines.Next();

        await Task.Delay(TimeSpan.FromMilliseconds(400 / CommandDeadlines.SliceDivisor + 20));

        Assert.NotEqual(first, deadlines.Next());
    }

    [Fact]
    public async Task Next_Token_CancelledNoSoonerThanTheTimeoutAndThenCancelled()
    {
        var timeout = TimeSpan.FromMilliseconds(300);
        var deadlines = new CommandDeadlines(timeout, TimeProvider.System);
        var clock = Stopwatch.StartNew();
        var token = deadlines.Next();
        var cancelled = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = token.Register(() => cancelled.TrySetResult(clock.Elapsed));

        var after = await cancelled.Task.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(after >= timeout, $"cancelled after {after.TotalMilliseconds} ms, before the {timeout.TotalMilliseconds} ms timeout");
    }
}
