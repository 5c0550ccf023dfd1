namespace Gamut.Agent.Tests.Infrastructure;

/// <summary>
/// The calls for the slow contact a test holds at the <see cref="SuiteUpstream"/>: <see cref="Arrived"/> completes when
/// the first reaches the upstream, <see cref="Ended"/> counts those that ended there (answered, or aborted by the
/// gateway), and <see cref="Open"/> (or disposing) lets every held call be answered.
/// </summary>
internal sealed class SlowCalls : IDisposable
{
    private readonly CancellationTokenSource _gate = new();
    private readonly TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _ended;

    /// <summary>Completes when the first held call reaches the upstream.</summary>
    public Task Arrived => _arrived.Task;

    /// <summary>How many held calls have ended at the upstream.</summary>
    public int Ended => Volatile.Read(ref _ended);

    /// <summary>Cancelled once the gate is open.</summary>
    internal CancellationToken Opened => _gate.Token;

    /// <summary>Opens the gate: every held call is answered, and so is every later one.</summary>
    public void Open() => _gate.Cancel();

    public void Dispose() => Open();

    internal void Arrive() => _arrived.TrySetResult();

    internal void End() => Interlocked.Increment(ref _ended);
}
