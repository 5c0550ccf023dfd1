using Gateway.Connectors.Credentials;
using Gateway.Connectors.Vault;

namespace Gateway.Connectors.Tests;

/// <summary>A vault on records kept in memory with a resolver over it.</summary>
internal sealed class TestVault
{
    public TestVault(IReadOnlyDictionary<string, string>? environment = null)
    {
        Vault = new CredentialVault(new MemoryCredentialRecords(), new EncryptionKeyRing(DataEncryptionKey.Generate()));
        Resolver = new CredentialResolver(Vault, environment: name => environment?.GetValueOrDefault(name));
    }

    public CredentialVault Vault { get; }

    public CredentialResolver Resolver { get; }
}
