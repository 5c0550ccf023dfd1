namespace Gateway.Store.Tests;

/// <summary>The embedded store's one-at-a-time job: a start during a run is kept for when the run ends, never dropped.</summary>
public sealed class BackgroundJobTests
{
    [Fact]
    public void Start_NothingUnderWay_RunsTheJobOnce()
    {
        var background = new BackgroundJob();
        var runs = 0;

        background.Start(() => { Interlocked.Increment(ref runs); return Task.CompletedTask; });
        background.Wait();

        Assert.Equal(1, runs);
    }

    [Fact]
    public void Start_WhileARunIsUnderWay_RunsTheJobAgainOnceItEnds()
    {
        var background = new BackgroundJob();
        var firstHeld = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var runs = 0;
        Task Job() => Interlocked.Increment(ref runs) == 1 ? firstHeld.Task : Task.CompletedTask;

        background.Start(Job);
        background.Start(Job);
        background.Start(Job);
        firstHeld.SetResult();
        background.Wait();

        Assert.Equal(2, runs);
    }

    [Fact]
    public void Start_WhileARunFails_RunsTheJobAgainOnceItEnds()
    {
        var background = new BackgroundJob();
        var firstHeld = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var runs = 0;
        async Task Job()
        {
            if (Interlocked.Increment(ref runs) == 1)
            {
                await firstHeld.Task;
                throw new IOException("disk full");
            }
        }

        background.Start(Job);
        background.Start(Job);
        firstHeld.SetResult();
        background.Wait();

        Assert.Equal(2, runs);
    }

    [Fact]
    public async Task RunAsync_StartAskedForMeanwhile_StartsTheJobOnceTheCallersRunEnds()
    {
        var background = new BackgroundJob();
        var callersHeld = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = 0;

        var callers = background.RunAsync(() => callersHeld.Task, CancellationToken.None);
        background.Start(() => { Interlocked.Increment(ref started); return Task.CompletedTask; });
        Assert.Equal(0, started);
        callersHeld.SetResult();
        await callers;
        background.Wait();

        Assert.Equal(1, started);
    }

    [Fact]
    public async Task TryRunAsync_WhileARunIsUnderWay_ReturnsFalseAndRunsNothing()
    {
        var background = new BackgroundJob();
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tried = 0;

        background.Start(() => held.Task);
        Assert.False(await background.TryRunAsync(() => { tried++; return Task.CompletedTask; }));
        held.SetResult();
        background.Wait();

        Assert.Equal(0, tried);
    }
}
