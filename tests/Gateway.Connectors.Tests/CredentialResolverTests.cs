using Gateway.Connectors.Credentials;
using Gateway.Connectors.Vault;
using Gateway.Testing;

namespace Gateway.Connectors.Tests;

public sealed class CredentialResolverTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("gw-cred-").FullName;

    public CredentialResolverTests() => _acme = Directory.CreateDirectory(Path.Combine(_directory, "acme")).FullName;

    /// <summary>The tenant's own credentials directory under the root <see cref="_directory"/>.</summary>
    private readonly string _acme;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Resolve_Env_ReadsVariableTrimmed()
    {
        var resolver = new CredentialResolver(null, environment: name => name == "OPENAI_KEY" ? "  sk-from-env \n" : null);

        Assert.Equal("sk-from-env", (await resolver.ResolveAsync("acme", "env:OPENAI_KEY")).Value);
        var ex = await Assert.ThrowsAsync<CredentialUnavailableException>(async () => await resolver.ResolveAsync("acme", "env:MISSING"));
        Assert.Contains("MISSING", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resolve_File_TrimsAndRereadsAfterChange()
    {
        var time = new ManualTimeProvider();
        var path = Path.Combine(_acme, "token");
        await File.WriteAllTextAsync(path, "first-secret\n");
        var resolver = new CredentialResolver(null, new CredentialResolverOptions { FileCacheTtl = TimeSpan.FromSeconds(5), CredentialsRoot = _directory }, time);

        Assert.Equal("first-secret", (await resolver.ResolveAsync("acme", "file:" + path)).Value);
        await File.WriteAllTextAsync(path, "second-secret-longer\n");
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(1));
        Assert.Equal("first-secret", (await resolver.ResolveAsync("acme", "file:" + path)).Value);

        time.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal("second-secret-longer", (await resolver.ResolveAsync("acme", "file:" + path)).Value);
    }

    [Fact]
    public async Task Resolve_FileThroughSymlinkSwap_FollowsNewTarget()
    {
        // The Kubernetes secret-mount layout: key -> ..data/key, ..data -> timestamped directory.
        var time = new ManualTimeProvider();
        var v1 = Directory.CreateDirectory(Path.Combine(_acme, "v1")).FullName;
        var v2 = Directory.CreateDirectory(Path.Combine(_acme, "v2")).FullName;
        await File.WriteAllTextAsync(Path.Combine(v1, "key"), "one");
        await File.WriteAllTextAsync(Path.Combine(v2, "key"), "two");
        var data = Path.Combine(_acme, "..data");
        Directory.CreateSymbolicLink(data, v1);
        var link = Path.Combine(_acme, "key");
        File.CreateSymbolicLink(link, Path.Combine(data, "key"));
        var resolver = new CredentialResolver(null, new CredentialResolverOptions { FileCacheTtl = TimeSpan.FromSeconds(1), CredentialsRoot = _directory }, time);

        Assert.Equal("one", (await resolver.ResolveAsync("acme", "file:" + link)).Value);
        Directory.Delete(data);
        Directory.CreateSymbolicLink(data, v2);
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal("two", (await resolver.ResolveAsync("acme", "file:" + link)).Value);
    }

    [Fact]
    public async Task Resolve_FileMissingOrEmpty_FailsWithoutValue()
    {
        var resolver = new CredentialResolver(null, new CredentialResolverOptions { CredentialsRoot = _directory });
        var empty = Path.Combine(_acme, "empty");
        await File.WriteAllTextAsync(empty, "  \n");

        await Assert.ThrowsAsync<CredentialUnavailableException>(async () => await resolver.ResolveAsync("acme", "file:" + Path.Combine(_acme, "none")));
        await Assert.ThrowsAsync<CredentialUnavailableException>(async () => await resolver.ResolveAsync("acme", "file:" + empty));
        await Assert.ThrowsAsync<CredentialUnavailableException>(async () => await resolver.ResolveAsync("acme", "file:relative/path"));
    }

    [Fact]
    public async Task Resolve_Vault_CachesAndDropsOnRevoke()
    {
        var vault = new CredentialVault(new MemoryCredentialRecords(), new EncryptionKeyRing(DataEncryptionKey.Generate()));
        var resolver = new CredentialResolver(vault);
        await vault.PutAsync("acme", "openai", "sk-vault");

        Assert.Equal("sk-vault", (await resolver.ResolveAsync("acme", "vault:openai")).Value);
        Assert.True(await resolver.IsAvailableAsync("acme", "vault:openai"));
        Assert.False(await resolver.IsAvailableAsync("globex", "vault:openai"));

        await vault.RotateAsync("acme", "openai", "sk-vault-2");
        Assert.Equal("sk-vault-2", (await resolver.ResolveAsync("acme", "vault:openai")).Value);
        await vault.RevokeAsync("acme", "openai");
        Assert.False(await resolver.IsAvailableAsync("acme", "vault:openai"));
    }

    [Fact]
    public async Task ResolveAsync_RevokedWhileAStoreReadWasInFlight_NextResolveIsRefused()
    {
        var records = new HeldReads(new MemoryCredentialRecords());
        var vault = new CredentialVault(records, new EncryptionKeyRing(DataEncryptionKey.Generate()));
        var resolver = new CredentialResolver(vault);
        await vault.PutAsync("acme", "openai", "sk-vault");

        // A request reads the live credential from the store; the revocation (through this replica) lands before it caches it.
        records.Hold = true;
        var inFlight = resolver.ResolveAsync("acme", "vault:openai").AsTask();
        await records.Reached.Task.WaitAsync(TimeSpan.FromSeconds(10));
        records.Hold = false;
        await vault.RevokeAsync("acme", "openai");
        records.Release.SetResult();
        Assert.Equal("sk-vault", (await inFlight.WaitAsync(TimeSpan.FromSeconds(10))).Value);

        Assert.False(await resolver.IsAvailableAsync("acme", "vault:openai"));
    }

    [Theory]
    [InlineData("vault:openai", CredentialSource.Vault, "openai")]
    [InlineData("env:OPENAI_API_KEY", CredentialSource.Environment, "OPENAI_API_KEY")]
    [InlineData("file:/var/run/secrets/openai/key", CredentialSource.File, "/var/run/secrets/openai/key")]
    public void Reference_Parse_Accepts(string text, CredentialSource source, string target)
    {
        var reference = CredentialReference.Parse(text);
        Assert.Equal(source, reference.Source);
        Assert.Equal(target, reference.Target);
        Assert.Equal(text, reference.ToString());
    }

    [Theory]
    [InlineData("sk-raw-key-in-catalog")]
    [InlineData("vault:")]
    [InlineData("vault:has space")]
    [InlineData("env:BAD-NAME")]
    [InlineData("file:relative")]
    [InlineData("http://x")]
    public void Reference_Parse_RejectsWithoutEcho(string text)
    {
        Assert.False(CredentialReference.TryParse(text, out _, out var error));
        Assert.DoesNotContain(text, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("env:DATA_ENCRYPTION_KEY")]
    [InlineData("env:data_encryption_keys_retired")]
    [InlineData("env:DECISION_SIGNING_KEY")]
    [InlineData("env:GATEWAY_SERVICE_KEY")]
    [InlineData("env:Gateway__Store__Redis__Password")]
    [InlineData("env:ConnectionStrings__Records")]
    [InlineData("env:Kestrel__Certificates__Default__Password")]
    [InlineData("env:OTEL_EXPORTER_OTLP_HEADERS")]
    [InlineData("env:ASPNETCORE_Kestrel__Certificates__Default__Password")]
    [InlineData("env:DOTNET_gcServer")]
    public void Reference_EnvNamingTheGatewaysOwnKeysOrSettings_Rejected(string text)
    {
        Assert.False(CredentialReference.TryParse(text, out _, out var error));
        Assert.Contains("gateway's own", error, StringComparison.Ordinal);
    }

    [Fact]
    public void SecretValue_ToString_HidesValue() => Assert.Equal("[secret]", new SecretValue("sk-123").ToString());

    /// <summary>Records whose reads, while <see cref="Hold"/>, read the store then wait at <see cref="Reached"/> for <see cref="Release"/>.</summary>
    private sealed class HeldReads(ICredentialRecordStore inner) : ICredentialRecordStore
    {
        public bool Hold { get; set; }

        public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async ValueTask<CredentialRecord?> GetAsync(string tenant, string name, CancellationToken cancellationToken = default)
        {
            var hold = Hold;
            var read = await inner.GetAsync(tenant, name, cancellationToken);
            if (hold)
            {
                Reached.TrySetResult();
                await Release.Task;
            }

            return read;
        }

        public ValueTask<bool> ReplaceAsync(string tenant, CredentialRecord? expected, CredentialRecord replacement, CancellationToken cancellationToken = default) =>
            inner.ReplaceAsync(tenant, expected, replacement, cancellationToken);

        public ValueTask<IReadOnlyList<CredentialRecord>> ListAsync(string tenant, CancellationToken cancellationToken = default) => inner.ListAsync(tenant, cancellationToken);
    }
}
