using System.Reflection;
using Gateway.Store;

namespace Gateway.Authorization.Tests.Interactive;

/// <summary>
/// A state store whose first <see cref="IKeyValueStore.TakeAsync"/> of a key with a chosen prefix completes at the store,
/// then holds its answer (<see cref="Taken"/> is set) until the test sets <see cref="Release"/>; every other call passes.
/// </summary>
public class GatedTakeStore : DispatchProxy
{
    private IStateStore _inner = null!;
    private string _prefix = null!;
    private int _gated;

    /// <summary>Set once the held take has removed its key at the store.</summary>
    public TaskCompletionSource Taken { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The test sets it to let the held take answer.</summary>
    public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static (IStateStore Store, GatedTakeStore Gate) Wrap(IStateStore inner, string prefix)
    {
        var proxy = Create<IStateStore, GatedTakeStore>();
        var gate = (GatedTakeStore)(object)proxy;
        gate._inner = inner;
        gate._prefix = prefix;
        return (proxy, gate);
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        var result = targetMethod.Invoke(_inner, args);
        return targetMethod.Name == nameof(IKeyValueStore.TakeAsync) && args?[0] is string key && key.StartsWith(_prefix, StringComparison.Ordinal)
            && Interlocked.Exchange(ref _gated, 1) == 0
                ? new ValueTask<string?>(HoldAsync((ValueTask<string?>)result!))
                : result;
    }

    private async Task<string?> HoldAsync(ValueTask<string?> take)
    {
        var value = await take.ConfigureAwait(false);
        Taken.SetResult();
        await Release.Task.ConfigureAwait(false);
        return value;
    }
}
