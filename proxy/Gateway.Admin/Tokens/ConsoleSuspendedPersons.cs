using Gateway.Oversight.Register;
using Gateway.Store;

namespace Gateway.Admin.Tokens;

/// <summary>The persons suspended as console users (<see cref="ConsolePersonSuspensions"/>), as the approval service asks of each vote it counts.</summary>
public sealed class ConsoleSuspendedPersons(IStateStore store) : IPersonSuspensions
{
    private readonly IStateStore _store = store ?? throw new ArgumentNullException(nameof(store));

    /// <inheritdoc/>
    public ValueTask<bool> IsPersonSuspendedAsync(string tenant, string person, CancellationToken cancellationToken = default) =>
        ConsolePersonSuspensions.IsPersonSuspendedAsync(_store, tenant, person, cancellationToken);
}
