using Microsoft.Extensions.Time.Testing;

namespace Gateway.Store.Tests;

/// <summary>Redis calls share one cancellation source per slice of the command timeout instead of a timer each.</summary>
public sealed class CommandDeadlinesTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(400);
    private static readonly TimeSpan Slice = Timeout / CommandDeadlines.SliceDivisor;
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(1);

    private readonly FakeTimeProvider _clock = new();

    [Fact]
    public void Next_CallsInOneSlice_ShareOneToken()
    {
        var deadlines = new CommandDeadlines(Timeout, _clock);

        var first = deadlines.Next();
        _clock.Advance(Slice - Tick);
        var second = deadlines.Next();

        Assert.Equal(first, second);
        Assert.True(first.CanBeCanceled);
        Assert.False(first.IsCancellationRequested);
    }

    [Fact]
    public void Next_AfterItsSlice_OpensAnotherToken()
    {
        var deadlines = new CommandDeadlines(Timeout, _clock);
        var first = deadlines.Next();

        _clock.Advance(Slice);

        Assert.NotEqual(first, deadlines.Next());
    }

    [Fact]
    public void Next_Token_CancelledNoSoonerThanTheTimeout()
    {
        var deadlines = new CommandDeadlines(Timeout, _clock);
        _clock.Advance(Slice - Tick);

        // The last call of the slice gets the least time: still the whole timeout.
        var token = deadlines.Next();
        _clock.Advance(Timeout - Tick);

        Assert.False(token.IsCancellationRequested);
    }

    [Fact]
    public void Next_Token_CancelledNoLaterThanTheTimeoutAndOneSlice()
    {
        var deadlines = new CommandDeadlines(Timeout, _clock);
        var token = deadlines.Next();

        _clock.Advance(Timeout + Slice);

        Assert.True(token.IsCancellationRequested);
    }
}
