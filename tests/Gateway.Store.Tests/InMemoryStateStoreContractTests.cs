using Gateway.Testing;

namespace Gateway.Store.Tests;

/// <summary>The contract against the embedded store, on a clock the test moves.</summary>
public sealed class InMemoryStateStoreContractTests : StateStoreContractTests
{
    private readonly ManualTimeProvider _clock = new();

    public InMemoryStateStoreContractTests() => Store = new InMemoryStateStore(_clock);

    protected override IStateStore Store { get; }

    protected override ManualTimeProvider Clock => _clock;
}
