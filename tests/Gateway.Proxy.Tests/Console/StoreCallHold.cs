using Gateway.Proxy.Tests.Infrastructure;
using Gateway.Store;

namespace Gateway.Proxy.Tests.Console;

/// <summary>
/// Holds the first call of one store method on one key after <see cref="Arm"/>, before it reaches the store, until
/// <see cref="Release"/>; every other call passes (wrapped in with <see cref="WrappedStateStoreFactory"/>).
/// </summary>
internal sealed class StoreCallHold(string method)
{
    private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private string? _key;

    /// <summary>Completes when the held call has arrived (nothing of it done at the store yet).</summary>
    public Task Reached => _reached.Task;

    /// <summary>Holds the next call of the method on <paramref name="key"/>.</summary>
    public void Arm(string key) => Volatile.Write(ref _key, key);

    public void Release() => _released.TrySetResult();

    /// <summary>The gateway's own state store, with the armed call held here.</summary>
    public IStateStore Wrap(IStateStore inner) => InterceptedStateStore.Wrap(inner, (called, args, call) =>
    {
        if (called.Name != method || args is not [string key, ..] || Volatile.Read(ref _key) is not { } armed
            || !string.Equals(key, armed, StringComparison.Ordinal) || Interlocked.CompareExchange(ref _key, null, armed) != armed)
        {
            return call();
        }

        return called.ReturnType == typeof(ValueTask)
            ? new ValueTask(HeldAsync(async () => await (ValueTask)call()!))
            : new ValueTask<long>(HeldAsync(async () => await (ValueTask<long>)call()!));
    });

    private async Task HeldAsync(Func<Task> call)
    {
        _reached.TrySetResult();
        await _released.Task;
        await call();
    }

    private async Task<long> HeldAsync(Func<Task<long>> call)
    {
        _reached.TrySetResult();
        await _released.Task;
        return await call();
    }
}
