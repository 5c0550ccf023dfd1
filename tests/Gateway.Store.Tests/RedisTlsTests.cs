using Gateway.Testing;

namespace Gateway.Store.Tests;

/// <summary>A fact that is skipped, with the detected reason, when redis-server lacks TLS.</summary>
public sealed class RedisTlsFactAttribute : FactAttribute
{
    public RedisTlsFactAttribute()
    {
        if (RedisTlsSupport.UnsupportedReason is { } reason)
        {
            Skip = reason;
        }
    }
}

/// <summary>Round trips over TLS to a redis-server with a self-signed certificate made by the test.</summary>
public sealed class RedisTlsTests : IAsyncLifetime
{
    private SelfSignedTlsFiles? _tls;
    private RedisServer? _server;
    private int _tlsPort;

    public async Task InitializeAsync()
    {
        if (RedisTlsSupport.UnsupportedReason is not null)
        {
            return;
        }

        _tls = SelfSignedTlsFiles.Create();
        _tlsPort = FreePort.Next();
        _server = await RedisServer.StartAsync(extraArgs:
            $"--tls-port {_tlsPort} --tls-cert-file {_tls.CertificatePath} --tls-key-file {_tls.KeyPath} " +
            $"--tls-ca-cert-file {_tls.CertificatePath} --tls-auth-clients no");
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        _tls?.Dispose();
    }

    [RedisTlsFact]
    public async Task Store_TlsWithTrustedCa_RoundTrips()
    {
        await using var store = new RedisStateStore(new RedisStoreOptions
        {
            Endpoint = $"127.0.0.1:{_tlsPort}",
            ConnectTimeout = TimeSpan.FromSeconds(10),
            CommandTimeout = TimeSpan.FromSeconds(10),
            UseTls = true,
            TlsServerName = "localhost",
            CaCertificatePath = _tls!.CertificatePath,
        });

        await store.SetAsync("tls:key", "over tls ✓", null);

        Assert.Equal("over tls ✓", await store.GetAsync("tls:key"));
        Assert.True(await store.TryAppendAsync("tls:log", 0, "entry"));
    }

    [RedisTlsFact]
    public async Task Store_TlsWithoutTrustingTheCa_FailsUnavailable()
    {
        await using var store = new RedisStateStore(new RedisStoreOptions
        {
            Endpoint = $"127.0.0.1:{_tlsPort}",
            ConnectTimeout = TimeSpan.FromSeconds(10),
            CommandTimeout = TimeSpan.FromSeconds(10),
            UseTls = true,
            TlsServerName = "localhost",
        });

        var error = await Assert.ThrowsAsync<StateStoreUnavailableException>(async () => await store.PingAsync());

        Assert.IsType<StackExchange.Redis.RedisConnectionException>(error.InnerException);
        Assert.False(store.IsConnected);
    }

    [RedisTlsFact]
    public async Task Store_TlsAllowUntrusted_RoundTrips()
    {
        await using var store = new RedisStateStore(new RedisStoreOptions
        {
            Endpoint = $"127.0.0.1:{_tlsPort}",
            ConnectTimeout = TimeSpan.FromSeconds(10),
            CommandTimeout = TimeSpan.FromSeconds(10),
            UseTls = true,
            AllowUntrustedCertificate = true,
        });

        await store.PingAsync();
    }
}
