using System.Reflection;
using Gateway.Store;

namespace Gateway.Records.Tests.Contracts;

/// <summary>
/// A state store whose reads of an admin token's name (<c>StoreKeys.AdminToken("name:" + ...)</c>) complete at the store,
/// then hold their answer until <see cref="Gate.Parties"/> such reads have completed, on every client sharing one
/// <see cref="Gate"/>; later reads, and every other call, pass straight through (DispatchProxy needs an unsealed class).
/// </summary>
public class NameReadBarrierStore : DispatchProxy
{
    private static readonly string NamePrefix = StoreKeys.AdminToken("name:");
    private IStateStore _inner = null!;
    private Gate _gate = null!;

    public static IStateStore Wrap(IStateStore inner, Gate gate)
    {
        var proxy = Create<IStateStore, NameReadBarrierStore>();
        var held = (NameReadBarrierStore)(object)proxy;
        held._inner = inner;
        held._gate = gate;
        return proxy;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        var result = targetMethod.Invoke(_inner, args);
        return targetMethod.Name == nameof(IKeyValueStore.GetAsync) && args?[0] is string key && key.StartsWith(NamePrefix, StringComparison.Ordinal)
            && _gate.Enter()
                ? new ValueTask<string?>(HoldAsync((ValueTask<string?>)result!))
                : result;
    }

    private async Task<string?> HoldAsync(ValueTask<string?> read)
    {
        var value = await read.ConfigureAwait(false);
        _gate.Arrive();
        await _gate.AllArrived.Task.ConfigureAwait(false);
        return value;
    }

    /// <summary>The name reads held until all of them have read: the first <see cref="Parties"/> only.</summary>
    public sealed class Gate(int parties)
    {
        private int _entered;
        private int _arrived;

        public int Parties { get; } = parties;

        /// <summary>Set once <see cref="Parties"/> held reads have read the name.</summary>
        public TaskCompletionSource AllArrived { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        internal bool Enter() => Interlocked.Increment(ref _entered) <= Parties;

        internal void Arrive()
        {
            if (Interlocked.Increment(ref _arrived) == Parties)
            {
                AllArrived.SetResult();
            }
        }
    }
}
