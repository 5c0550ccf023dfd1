namespace Gateway.Proxy.Tests.Infrastructure;

/// <summary>
/// Where a <see cref="GatewayProcess"/> under test keeps its audit journal: the embedded store's journal or files under
/// its data directory, a real redis-server or a real PostgreSQL. It gives the settings that put the journal there and
/// opens the sink itself from outside the process (<see cref="AuditSinkReader"/>), to read and verify what a
/// killed process left behind.
/// </summary>
public abstract class AuditSinkUnderTest : IAsyncDisposable
{
    /// <summary>The embedded store, its default: no shared store configured, the journal in the store's own journal.</summary>
    public const string EmbeddedStore = "embedded-store";

    /// <summary>The embedded store with the journal in files of its own under the data directory (<c>Gateway:Audit:Sink=file</c>).</summary>
    public const string File = "file";

    /// <summary>Redis mode: the journal in the shared store, a real redis-server.</summary>
    public const string Redis = "redis";

    /// <summary>The journal in a real PostgreSQL (the system of record).</summary>
    public const string Postgres = "postgres";

    /// <summary>The gateway's settings (environment variable names) that put its journal in this sink.</summary>
    public abstract IReadOnlyDictionary<string, string> Settings { get; }

    /// <summary>Starts the sink <paramref name="kind"/> (<see cref="EmbeddedStore"/>, <see cref="File"/>, <see cref="Redis"/> or <see cref="Postgres"/>) for a gateway on <paramref name="dataDirectory"/>.</summary>
    public static async Task<AuditSinkUnderTest> StartAsync(string kind, string dataDirectory) => kind switch
    {
        EmbeddedStore => new EmbeddedStoreAuditSinkUnderTest(dataDirectory),
        File => new FileAuditSinkUnderTest(dataDirectory),
        Redis => await RedisAuditSinkUnderTest.StartAsync(),
        Postgres => await PostgresAuditSinkUnderTest.StartAsync(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not an audit sink"),
    };

    /// <summary>Opens the sink from this process; dispose the reader before a gateway appends to the sink again.</summary>
    public abstract ValueTask<AuditSinkReader> OpenAsync();

    public virtual ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }
}
