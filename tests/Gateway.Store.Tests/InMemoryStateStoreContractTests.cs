namespace Gateway.Store.Tests;

/// <summary>The contract against the embedded store.</summary>
public sealed class InMemoryStateStoreContractTests : StateStoreContractTests
{
    protected override IStateStore Store { get; } = new InMemoryStateStore();
}
