using Gateway.Connectors.Credentials;
using Gateway.Connectors.Vault;
using Gateway.Store;

namespace Gateway.Connectors.Tests;

/// <summary>A vault on the in-memory store with a resolver over it.</summary>
internal sealed class TestVault
{
    public TestVault(IReadOnlyDictionary<string, string>? environment = null)
    {
        Vault = new CredentialVault(new StateStoreCredentialStore(new InMemoryStateStore()), new EncryptionKeyRing(DataEncryptionKey.Generate()));
        Resolver = new CredentialResolver(Vault, environment: name => environment?.GetValueOrDefault(name));
    }

    public CredentialVault Vault { get; }

    public CredentialResolver Resolver { get; }
}
